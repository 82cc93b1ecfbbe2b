#!/usr/bin/python3
"""Reads the flavor extra-spec validator registry of an installed Nova (run with the Python
that has Nova, e.g. Debian's python3-nova under /usr/bin/python3).

  nova-extra-specs.py dump       JSON on stdout: Nova's version, every validator (name,
                                 parameters, value type, enum, bounds, pattern, deprecation),
                                 the namespaces Nova checks, and the enum/integer fields of
                                 ImageMetaProps.
  nova-extra-specs.py validate   JSON on stdin: [{"name": ..., "value": ...}, ...]; JSON on
                                 stdout: [{"valid": true|false, "message": ...}, ...], each
                                 verdict from Nova's own validators.validate(name, value).

Only facts about the interface are written (names, types, limits); Nova's descriptions are not.
Exit 3 when Nova cannot be imported.
"""
import json
import logging
import sys
import warnings


def load():
    warnings.simplefilter('ignore')
    logging.disable(logging.CRITICAL)
    try:
        from nova.api.validation.extra_specs import validators
        from nova import exception
        from nova import version
    except Exception as e:  # ImportError and whatever a broken install raises
        sys.stderr.write('cannot import Nova here (%s: %s); run with the Python that has Nova installed\n' % (type(e).__name__, e))
        sys.exit(3)
    return validators, exception, version


TYPES = {bool: 'bool', int: 'int', str: 'str'}


def validator_json(v):
    value = {'type': TYPES.get(v.value.get('type'), repr(v.value.get('type')))}
    for k in ('min', 'max', 'pattern'):
        if k in v.value:
            value[k] = v.value[k]
    if 'enum' in v.value:
        value['enum'] = [str(x) for x in v.value['enum']]
    return {
        'name': v.name,
        'name_regex': v.name_regex,
        'parameters': [{'name': p['name'], 'pattern': p['pattern']} for p in v.parameters],
        'value': value,
        'deprecated': bool(v.deprecated),
    }


def image_fields():
    """Enum and integer fields of ImageMetaProps, and the legacy names Nova maps onto them."""
    try:
        from nova.objects import image_meta
        from oslo_versionedobjects import fields as ovo
    except Exception:
        return None
    out = []
    for name, field in sorted(image_meta.ImageMetaProps.fields.items()):
        t = field._type
        entry = {'name': name}
        if isinstance(t, ovo.Enum):
            entry['type'] = 'enum'
            entry['enum'] = [str(x) for x in t._valid_values]
            # Fields that rewrite the value before the enum check (architecture, hv type, vm mode)
            # accept more spellings than the list shows.
            entry['canonicalizes'] = type(field).coerce is not ovo.BaseEnumField.coerce or \
                type(t).coerce is not ovo.Enum.coerce
        elif isinstance(t, ovo.Integer):
            entry['type'] = 'int'
            if isinstance(t, ovo.NonNegativeInteger):
                entry['min'] = 0
        else:
            continue
        out.append(entry)
    legacy = getattr(image_meta.ImageMetaProps, '_legacy_property_map', {})
    return {'fields': out, 'legacy_names': dict(sorted(legacy.items()))}


def dump():
    validators, _, version = load()
    data = {
        'nova_version': version.version_string(),
        'validators': [validator_json(v) for _, v in sorted(validators.VALIDATORS.items())],
        'namespaces': sorted(validators.NAMESPACES),
        'image_properties': image_fields(),
    }
    json.dump(data, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


def validate():
    validators, exception, _ = load()
    items = json.load(sys.stdin)
    out = []
    for it in items:
        try:
            validators.validate(it['name'], it['value'])
            out.append({'valid': True})
        except exception.ValidationError as e:
            out.append({'valid': False, 'message': str(e)})
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    mode = sys.argv[1] if len(sys.argv) > 1 else 'dump'
    if mode == 'dump':
        dump()
    elif mode == 'validate':
        validate()
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
