"""`manage.py localcloud [serve|seed|keys|oplog|faults|log]`: run, fill, inspect and break
the embedded cloud."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import clear_url_caches

from console.localcloud import keys, oplog
from console.localcloud import seed as demo
from console.localcloud.k8s import front
from console.localcloud.logwriter import append_line
from console.localcloud.models import Fault, Operation, Pod


class Command(BaseCommand):
    help = "Serve localcloud on its own port, load demo data, or set fault injection."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb")
        serve = sub.add_parser("serve", help="serve /api on its own port (the default verb)")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8001)
        seed = sub.add_parser("seed", help="load the demo data (once)")
        seed.add_argument("--clusters", type=int, default=0, help="extra Running clusters")
        keys = sub.add_parser("keys", help="print this install's admin key as shell lines")
        keys.add_argument("--company", type=int, help="a demo tenant's own (non-admin) key")
        oplog = sub.add_parser("oplog", help="print the calls localcloud answered, newest last")
        oplog.add_argument("--limit", type=int, default=50)
        oplog.add_argument("--company", type=int)
        oplog.add_argument("--action")
        faults = sub.add_parser("faults", help="set or clear fault injection")
        faults.add_argument("--latency-ms", type=int)
        faults.add_argument("--error-rate", type=float)
        faults.add_argument("--error-kind", choices=[k for k, _ in Fault.ERROR_KINDS])
        faults.add_argument("--drop-sessions", choices=["on", "off"])
        faults.add_argument("--clear", action="store_true")
        front = sub.add_parser("k8s-front", help="serve the clusters' Kubernetes API over TLS")
        front.add_argument("--host", default="127.0.0.1")
        front.add_argument("--port", type=int, default=6443)
        front.add_argument("--upstream", default="127.0.0.1:8000", help="host:port of /k8s/")
        log = sub.add_parser("log", help="write one line to a pod container's log now")
        for name in ("cluster", "namespace", "pod", "container", "text"):
            log.add_argument(name)

    def handle(self, *args, verb=None, **options):
        if verb == "seed":
            return self.seed(options["clusters"])
        if verb == "keys":
            return self.keys(options["company"])
        if verb == "oplog":
            return self.oplog(options)
        if verb == "faults":
            return self.faults(options)
        if verb == "log":
            return self.log(options)
        if verb == "k8s-front":
            return self.k8s_front(options)
        return self.serve(options.get("host", "127.0.0.1"), options.get("port", 8001))

    def seed(self, clusters: int) -> None:
        try:
            created = demo.seed()
        except keys.RefusedKey as exc:
            raise CommandError(f"CONSOLE_PUBLIC_KEY/CONSOLE_PRIVATE_KEY refused: {exc}") from None
        self.stdout.write("demo data loaded" if created else "demo data already present")
        if not settings.CONSOLE_PUBLIC_KEY:
            self.stdout.write(
                f"the console's API key is in {settings.CONSOLE_KEY_FILE} "
                "(`manage.py localcloud keys` prints it)"
            )
        if clusters:
            demo.seed_many(clusters)
            self.stdout.write(f"{clusters} extra clusters added")

    def keys(self, company: int | None) -> None:
        try:
            pair = keys.tenant_pair(company) if company else keys.admin_pair()
        except keys.RefusedKey as exc:
            raise CommandError(str(exc)) from None
        if pair is None:
            raise CommandError("no such key: run `manage.py localcloud seed` first")
        self.stdout.write(keys.shell_lines(pair), ending="")

    def oplog(self, options) -> None:
        operations = Operation.objects.order_by("-pk")
        if options["company"]:
            operations = operations.filter(company_id=options["company"])
        if options["action"]:
            operations = operations.filter(action=options["action"])
        for operation in reversed(operations[: max(1, options["limit"])]):
            self.stdout.write(oplog.line(operation))

    def faults(self, options) -> None:
        fault = Fault.current()
        if options["clear"]:
            fault = Fault(pk=1)
        if options["latency_ms"] is not None:
            fault.latency_ms = options["latency_ms"]
        if options["error_rate"] is not None:
            if not 0 <= options["error_rate"] <= 1:
                raise CommandError("--error-rate is a fraction from 0 to 1")
            fault.error_rate = options["error_rate"]
        if options["error_kind"]:
            fault.error_kind = options["error_kind"]
        if options["drop_sessions"]:
            fault.drop_sessions = options["drop_sessions"] == "on"
        fault.save()
        self.stdout.write(
            f"faults: latency {fault.latency_ms} ms, error rate {fault.error_rate} "
            f"({fault.error_kind}), drop sessions {fault.drop_sessions}"
        )

    def log(self, options) -> None:
        pod = Pod.objects.filter(
            cluster__cluster_id=options["cluster"],
            namespace=options["namespace"],
            name=options["pod"],
        ).first()
        if pod is None or options["container"] not in {c["name"] for c in pod.containers}:
            raise CommandError("no such pod container")
        line = append_line(pod, options["container"], options["text"])
        self.stdout.write(f"written at {line.time_ns}")

    def k8s_front(self, options) -> None:
        host, _, port = options["upstream"].rpartition(":")
        folder = Path(settings.LOCALCLOUD_WORK_DIR) / "tls"
        self.stdout.write(
            f"Kubernetes endpoint https://{options['host']}:{options['port']} -> {host}:{port}"
        )
        asyncio.run(front.serve(options["host"], options["port"], (host, int(port)), folder))

    def serve(self, host: str, port: int) -> None:
        from daphne.cli import CommandLineInterface

        call_command("migrate", interactive=False, verbosity=0)
        # Only /api on this port: the console's pages are not part of the cloud.
        os.environ["CONSOLE_URLCONF"] = "console.localcloud.urls"
        settings.ROOT_URLCONF = "console.localcloud.urls"
        clear_url_caches()
        self.stdout.write(f"localcloud serving http://{host}:{port}/api")
        CommandLineInterface().run(
            ["-b", host, "-p", str(port), "console.localcloud.asgi:application"]
        )
