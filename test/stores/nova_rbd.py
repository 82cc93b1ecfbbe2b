"""Asks Nova's own RBD code (python3-nova, nova.storage.rbd_utils) about a Glance location.

    nova_rbd.py CEPH_CONF POOL URL DISK_FORMAT [CLONE_NAME]

Prints JSON: the URL as Nova parses it, whether Nova would clone it copy-on-write, and, with
CLONE_NAME, the result of Nova's clone of it into POOL. Exits 3 when Nova refuses the URL.
"""
import json
import sys

from nova import exception
from nova.storage import rbd_utils

conf, pool, url, disk_format = sys.argv[1:5]
clone_name = sys.argv[5] if len(sys.argv) > 5 else None
driver = rbd_utils.RBDDriver(pool=pool, user=None, ceph_conf=conf, connect_timeout=10)
try:
    parsed = driver.parse_url(url)
except exception.ImageUnacceptable as e:
    print(json.dumps({'refused': str(e)}))
    sys.exit(3)
result = {
    'parsed': parsed,
    'fsid': driver.get_fsid(),
    'cloneable': driver.is_cloneable({'url': url}, {'disk_format': disk_format}),
}
if clone_name:
    driver.clone({'url': url}, clone_name)
    result['cloned'] = driver.exists(clone_name)
print(json.dumps(result))
