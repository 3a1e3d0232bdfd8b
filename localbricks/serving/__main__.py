"""``python -m localbricks.serving [serve|status|stop]``: the local Model Serving service by hand."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localbricks.serving",
                                     description="The local Databricks Model Serving service of this workspace.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("serve", help="run in the foreground with the log on the terminal (the default)")
    run.add_argument("--port", type=int, default=0, help="loopback port (default: any free one)")
    run.add_argument("--watch-clients", action="store_true", help=argparse.SUPPRESS)
    sub.add_parser("status", help="say whether a service runs for this workspace, and where")
    sub.add_parser("stop", help="stop this workspace's service")
    args = parser.parse_args(argv)

    from localbricks.serving import process, service

    if args.command == "status":
        info = process.running()
        print(f"running at {info['host']} (pid {info['pid']})" if info else "not running")
        return 0 if info else 1
    if args.command == "stop":
        print("stopped" if process.stop() else "not running")
        return 0
    watch = getattr(args, "watch_clients", False)
    if not watch:
        info = process.running()
        if info:
            print(f"A service already runs for this workspace at {info['host']} (pid {info['pid']}); stop it first "
                  "with: python -m localbricks.serving stop", file=sys.stderr)
            return 1
    service.serve(getattr(args, "port", 0), watch_clients=watch, foreground=not watch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
