"""``python -m localbricks.pipelines run --spec spark-pipeline.yml``: ``spark-pipelines``, on this workspace."""
import sys

from localbricks.pipelines.cli import command

sys.exit(command())
