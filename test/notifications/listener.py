#!/usr/bin/python3
"""An oslo.messaging notification listener, as Ceilometer runs one: every notification it
decodes on exchange `glance`, topic `notifications` (or the topics given) is printed to
stdout as one JSON line. Prints `READY` once it consumes. Stops on SIGTERM or stdin EOF.

Usage: listener.py TRANSPORT_URL [TOPIC ...]
"""
import json
import signal
import sys
import threading

from oslo_config import cfg
import oslo_messaging

out_lock = threading.Lock()


def emit(record):
    with out_lock:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


class Endpoint(object):
    def _record(self, priority, ctxt, publisher_id, event_type, payload, metadata):
        emit({"priority": priority, "publisher_id": publisher_id, "event_type": event_type,
              "payload": payload, "context": ctxt, "metadata": metadata})

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record("INFO", ctxt, publisher_id, event_type, payload, metadata)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record("ERROR", ctxt, publisher_id, event_type, payload, metadata)

    def warn(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record("WARN", ctxt, publisher_id, event_type, payload, metadata)


def main():
    url = sys.argv[1]
    topics = sys.argv[2:] or ["notifications"]
    conf = cfg.ConfigOpts()
    conf([], project="glance-notification-listener")
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    targets = [oslo_messaging.Target(exchange="glance", topic=t) for t in topics]
    listener = oslo_messaging.get_notification_listener(
        transport, targets, [Endpoint()], executor="threading")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    listener.start()
    emit({"ready": True})

    def watch_stdin():
        sys.stdin.read()
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    done.wait()
    listener.stop()
    listener.wait()
    transport.cleanup()


if __name__ == "__main__":
    main()
