"""Parses Prometheus text exposition format from stdin with the reference client's parser
(python3-prometheus-client) and prints the samples as JSON: one object per sample with the
family name, its type, the sample name, labels and value. Exit 1 on a parse error."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = sys.stdin.read()
    out = []
    try:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                v = s.value
                out.append({
                    'family': family.name,
                    'type': family.type,
                    'name': s.name,
                    'labels': dict(s.labels),
                    'value': None if math.isnan(v) else ('+Inf' if v == math.inf else v),
                })
    except Exception as e:  # the parser raises ValueError and others on bad input
        sys.stderr.write(f'parse error: {e}\n')
        return 1
    json.dump(out, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
