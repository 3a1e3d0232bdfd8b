"""One invocation: the JSON body → model input → predictions, with every failure a one-line 400.

The four input formats (``dataframe_split``, ``dataframe_records``, ``instances``, ``inputs``) and
``params`` are parsed by MLflow's own scoring-server functions, with the model's signature, so
types and column checks are MLflow's. What is ours: messages never repeat the request's data
(MLflow's own server quotes it back), and an exception inside the model's ``predict`` is a 400
naming its type rather than a 500, so a bad model never looks like a broken service.
"""
from __future__ import annotations

import io
import json

from localbricks.serving.errors import ServingError, one_line

INPUT_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
EXTRA_KEYS = ("params", "client_request_id")


def decode(body: bytes) -> dict:
    """The request's JSON object; anything else is refused without quoting it."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ServingError("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ServingError(f"The request body must be a JSON object with exactly one of {', '.join(INPUT_KEYS)}; "
                           f"got a JSON {type(payload).__name__}.")
    present = [k for k in INPUT_KEYS if k in payload]
    if len(present) != 1:
        found = "none" if not present else " and ".join(present)
        raise ServingError(f"The request body must have exactly one of {', '.join(INPUT_KEYS)}; found {found}.")
    unknown = sorted(set(payload) - set(INPUT_KEYS) - set(EXTRA_KEYS))
    if unknown:
        raise ServingError(f"The request body has {len(unknown)} unknown field(s); besides the input it may hold only "
                           f"{' and '.join(EXTRA_KEYS)}.")
    if "params" in payload and not isinstance(payload["params"], (dict, type(None))):
        raise ServingError("params must be a JSON object of parameter names to values.")
    if "client_request_id" in payload and not isinstance(payload["client_request_id"], (str, type(None))):
        raise ServingError("client_request_id must be a string.")
    return payload


def _values(data, keep_keys: bool = True):
    """Every leaf value of the request's data as text (dict keys are column names, kept)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key != "columns":
                yield from _values(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _values(value)
    elif data is not None and not isinstance(data, bool):
        yield str(data)


def _mlflow_reason(message: str, data) -> str:
    """MLflow's reason, without the data it quotes ("Failed to enforce schema of data '…'. Error: <reason>")
    and without any value of the request (pandas quotes the value it could not convert)."""
    reason = message.rsplit("Error:", 1)[-1] if "Error:" in message else message
    reason = one_line(reason.strip(" '\"()"), 300)
    for value in sorted(set(_values(data)), key=len, reverse=True):
        if len(value) >= 2 and value in reason:
            reason = reason.replace(value, "…")
    return reason


def predict(model, payload: dict):
    """Parse ``payload`` with the model's signature and predict; return the JSON text of the response."""
    from mlflow.exceptions import MlflowException
    from mlflow.pyfunc.scoring_server import infer_and_parse_data, predictions_to_json

    key = next(k for k in INPUT_KEYS if k in payload)
    schema = model.metadata.get_input_schema()
    try:
        data = infer_and_parse_data({key: payload[key]}, schema)
    except MlflowException as err:
        raise ServingError(f"Could not read '{key}': {_mlflow_reason(err.message, payload[key])}") from None
    except Exception as err:  # pandas refusing a shape: say which format, not the data
        raise ServingError(f"Could not read '{key}' as model input ({type(err).__name__}).") from None
    params = payload.get("params")
    try:
        predictions = model.predict(data, params=params) if params else model.predict(data)
    except MlflowException as err:
        raise ServingError(f"The input does not match the model's signature: {_mlflow_reason(err.message, payload[key])}") from None
    except Exception as err:
        raise ServingError(f"The model raised {type(err).__name__} while predicting.") from None
    out = io.StringIO()
    try:
        predictions_to_json(predictions, out)
    except Exception as err:
        raise ServingError(f"The model's predictions could not be written as JSON ({type(err).__name__}).") from None
    return out.getvalue()
