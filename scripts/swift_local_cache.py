# An in-process stand-in for memcached, used only by scripts/swift-local.sh: tempauth and the
# proxy's account/container info need a cache, and a single-process test proxy (workers = 0)
# can keep it in a dict instead of needing a memcached server. Values are copied through JSON,
# as memcached would serialise them.
import json
import time


class DictCache(object):
    def __init__(self):
        self._data = {}

    def _live(self, key):
        item = self._data.get(key)
        if item is None:
            return None
        expires, raw = item
        if expires and expires < time.time():
            del self._data[key]
            return None
        return raw

    def get(self, key, raise_on_error=False):
        raw = self._live(key)
        return None if raw is None else json.loads(raw)

    def set(self, key, value, serialize=True, time=0, min_compress_len=0, raise_on_error=False):
        expires = (_now() + time) if time else 0
        self._data[key] = (expires, json.dumps(value))

    def delete(self, key, server_key=None):
        self._data.pop(key, None)

    def incr(self, key, delta=1, time=0):
        value = (self.get(key) or 0) + delta
        self.set(key, value, time=time)
        return value

    def decr(self, key, delta=1, time=0):
        return self.incr(key, -delta, time)

    def get_multi(self, keys, server_key):
        return [self.get(k) for k in keys]

    def set_multi(self, mapping, server_key, serialize=True, time=0, min_compress_len=0):
        for k, v in mapping.items():
            self.set(k, v, time=time)


def _now():
    return time.time()


def filter_factory(global_conf, **local_conf):
    cache = DictCache()

    def wrap(app):
        def middleware(env, start_response):
            env['swift.cache'] = cache
            return app(env, start_response)
        return middleware
    return wrap
