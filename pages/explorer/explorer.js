// Metadata catalogue explorer: lists namespaces, shows one, and checks property maps with
// POST /v2/metadefs/resource_types/{rt}/validate, all through the API with the caller's token.
//
// Everything shown comes from the API and much of it is user input (namespace descriptions,
// titles, enum values), so the DOM is built with createElement and textContent only: no
// innerHTML, no markup strings. The token lives in a variable (and in sessionStorage only when
// asked) and is sent only as the X-Auth-Token header; no URL ever carries it.
'use strict';
(function () {
  const STORAGE_KEY = 'glance-explorer-token';
  const PAGE_SIZE = 200;
  const $ = (id) => document.getElementById(id);
  let token = '';

  /** An element with text or child nodes; strings always become text nodes. */
  function el(tag, opts, ...children) {
    const node = document.createElement(tag);
    if (opts && opts.className) node.className = opts.className;
    if (opts && opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, String(v));
    for (const c of children) {
      if (c === null || c === undefined || c === '') continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }
  const text = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const clear = (node) => node.replaceChildren();

  function status(id, message, isError) {
    const node = $(id);
    node.textContent = message;
    node.classList.toggle('error', Boolean(isError));
  }

  /** One API call, relative to the page (so a path prefix in front of the service still works). */
  async function api(method, path, body) {
    if (!token) throw new Error('Paste a token first.');
    const headers = { 'X-Auth-Token': token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    const raw = await res.text();
    let data;
    try {
      data = raw ? JSON.parse(raw) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${(data && data.message) || raw.slice(0, 300) || res.statusText}`);
    return data;
  }
  const seg = (s) => encodeURIComponent(s);

  // ---- token ----------------------------------------------------------------------------

  function useToken() {
    token = $('token').value.trim();
    try {
      if ($('remember').checked && token) sessionStorage.setItem(STORAGE_KEY, token);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      /* storage disabled: memory only */
    }
    if (!token) return status('auth-status', 'No token.', true);
    status('auth-status', 'Token set (sent as X-Auth-Token).');
    loadResourceTypes().then(listNamespaces);
  }

  function forgetToken() {
    token = '';
    $('token').value = '';
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      /* nothing stored */
    }
    status('auth-status', 'Token forgotten.');
  }

  // ---- resource types ---------------------------------------------------------------------

  async function loadResourceTypes() {
    try {
      const data = await api('GET', 'v2/metadefs/resource_types');
      const names = (data.resource_types || []).map((r) => r.name).sort();
      for (const [id, first] of [['rt-filter', 'any'], ['rt-validate', null]]) {
        const select = $(id);
        const keep = select.value;
        clear(select);
        if (first) select.appendChild(el('option', { attrs: { value: '' } }, first));
        for (const n of names) select.appendChild(el('option', { attrs: { value: n } }, n));
        if (names.includes(keep) || (first && keep === '')) select.value = keep;
        else if (!first && names.includes('OS::Glance::Image')) select.value = 'OS::Glance::Image';
      }
    } catch (e) {
      status('list-status', e.message, true);
    }
  }

  // ---- namespace list ---------------------------------------------------------------------

  let listSeq = 0;
  async function listNamespaces() {
    const seq = ++listSeq;
    const body = $('namespaces').tBodies[0];
    status('list-status', 'Loading…');
    try {
      const all = [];
      let marker;
      // Follow the pages (marker = last name) until the service stops offering a next one.
      for (;;) {
        const q = new URLSearchParams({ limit: String(PAGE_SIZE), sort_key: 'namespace', sort_dir: 'asc' });
        if ($('rt-filter').value) q.set('resource_types', $('rt-filter').value);
        if ($('vis-filter').value) q.set('visibility', $('vis-filter').value);
        if (marker) q.set('marker', marker);
        const data = await api('GET', `v2/metadefs/namespaces?${q}`);
        const page = data.namespaces || [];
        all.push(...page);
        if (!data.next || page.length === 0) break;
        marker = page[page.length - 1].namespace;
      }
      if (seq !== listSeq) return;
      clear(body);
      for (const ns of all) body.appendChild(namespaceRow(ns));
      status('list-status', `${all.length} namespace${all.length === 1 ? '' : 's'}`);
    } catch (e) {
      if (seq === listSeq) status('list-status', e.message, true);
    }
  }

  function namespaceRow(ns) {
    const open = el('button', { className: 'link', attrs: { type: 'button' } }, text(ns.namespace));
    open.addEventListener('click', () => openNamespace(ns.namespace));
    const types = (ns.resource_type_associations || []).map((a) => a.name).join(', ');
    return el(
      'tr',
      { attrs: { 'data-namespace': text(ns.namespace) } },
      el('td', { className: 'mono' }, open),
      el('td', null, text(ns.display_name)),
      el('td', null, text(ns.visibility) + (ns.protected ? ' (protected)' : '')),
      el('td', { className: 'mono' }, types),
      el('td', { className: 'desc' }, text(ns.description)),
    );
  }

  // ---- one namespace ----------------------------------------------------------------------

  function bounds(p) {
    const parts = [];
    const pair = (lo, hi, label) => {
      if (lo !== undefined || hi !== undefined) parts.push(`${label} ${lo === undefined ? '…' : lo}–${hi === undefined ? '…' : hi}`);
    };
    pair(p.minimum, p.maximum, 'value');
    pair(p.minLength, p.maxLength, 'length');
    pair(p.minItems, p.maxItems, 'items');
    if (p.uniqueItems) parts.push('unique items');
    return parts.join('; ');
  }

  function propertyTable(props, prefix) {
    const names = Object.keys(props || {}).sort();
    if (!names.length) return el('p', { className: 'note' }, 'No properties.');
    const body = el('tbody');
    for (const name of names) {
      const p = props[name] || {};
      const items = p.items || {};
      const type = p.type === 'array' && items.type ? `array of ${items.type}` : text(p.type);
      const values = p.enum || items.enum;
      const extra = [];
      if (p.default !== undefined) extra.push(`default ${text(p.default)}`);
      if (p.readonly) extra.push('read-only');
      if (p.operators) extra.push(`operators ${p.operators.join(' ')}`);
      body.appendChild(
        el(
          'tr',
          { attrs: { 'data-property': name } },
          el('td', { className: 'mono' }, (prefix || '') + name),
          el('td', null, text(p.title)),
          el('td', null, type),
          el('td', { className: 'mono' }, values ? values.map(text).join(', ') : ''),
          el('td', { className: 'mono' }, text(p.pattern || items.pattern)),
          el('td', null, [bounds(p), ...extra].filter(Boolean).join('; ')),
          el('td', { className: 'desc' }, text(p.description)),
        ),
      );
    }
    const head = el('thead', null, el('tr', null, ...['Property', 'Title', 'Type', 'Enum', 'Pattern', 'Bounds', 'Description'].map((h) => el('th', null, h))));
    return el('table', { className: 'grid properties' }, head, body);
  }

  async function openNamespace(name) {
    const section = $('detail');
    const out = $('detail-body');
    section.hidden = false;
    $('detail-title').textContent = name;
    clear(out);
    out.appendChild(el('p', { className: 'status' }, 'Loading…'));
    try {
      const ns = await api('GET', `v2/metadefs/namespaces/${seg(name)}`);
      clear(out);
      const assoc = ns.resource_type_associations || [];
      out.appendChild(
        el(
          'dl',
          { className: 'meta' },
          el('dt', null, 'Display name'), el('dd', null, text(ns.display_name)),
          el('dt', null, 'Description'), el('dd', { className: 'desc' }, text(ns.description)),
          el('dt', null, 'Visibility'), el('dd', null, `${text(ns.visibility)}${ns.protected ? ', protected' : ''}`),
          el('dt', null, 'Owner'), el('dd', { className: 'mono' }, text(ns.owner)),
        ),
      );
      out.appendChild(el('h3', null, `Resource types (${assoc.length})`));
      if (assoc.length) {
        const rows = assoc.map((a) => el('tr', null, el('td', { className: 'mono' }, text(a.name)), el('td', { className: 'mono' }, text(a.prefix)), el('td', { className: 'mono' }, text(a.properties_target))));
        out.appendChild(el('table', { className: 'grid' }, el('thead', null, el('tr', null, el('th', null, 'Resource type'), el('th', null, 'Prefix'), el('th', null, 'properties_target'))), el('tbody', null, ...rows)));
      }
      // Shown without a prefix: each resource type writes them with its own (above).
      out.appendChild(el('h3', null, `Properties (${Object.keys(ns.properties || {}).length})`));
      out.appendChild(propertyTable(ns.properties));
      const objects = ns.objects || [];
      out.appendChild(el('h3', null, `Objects (${objects.length})`));
      for (const o of objects) {
        const box = el('div', { className: 'object', attrs: { 'data-object': text(o.name) } }, el('h3', { className: 'mono' }, text(o.name)));
        if (o.description) box.appendChild(el('p', { className: 'desc' }, text(o.description)));
        if (o.required && o.required.length) box.appendChild(el('p', null, `Required: ${o.required.join(', ')}`));
        box.appendChild(propertyTable(o.properties));
        out.appendChild(box);
      }
      const tags = ns.tags || [];
      out.appendChild(el('h3', null, `Tags (${tags.length})`));
      out.appendChild(el('p', { className: 'tags' }, ...tags.map((t) => el('span', { className: 'tag' }, text(t.name)))));
      section.scrollIntoView({ block: 'start' });
    } catch (e) {
      clear(out);
      out.appendChild(el('p', { className: 'status error' }, e.message));
    }
  }

  // ---- validation -------------------------------------------------------------------------

  /** A JSON object, or `key=value` lines (blank lines and `#` comments skipped); values stay strings. */
  function parseProperties(input) {
    const src = input.trim();
    if (!src) throw new Error('Enter at least one property.');
    if (src.startsWith('{')) {
      const obj = JSON.parse(src);
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('The JSON must be an object.');
      return obj;
    }
    const out = {};
    src.split(/\r?\n/).forEach((line, i) => {
      const l = line.trim();
      if (!l || l.startsWith('#')) return;
      const eq = l.indexOf('=');
      if (eq <= 0) throw new Error(`Line ${i + 1}: expected key=value`);
      out[l.slice(0, eq).trim()] = l.slice(eq + 1).trim();
    });
    return out;
  }

  async function validate() {
    const body = $('verdicts').tBodies[0];
    clear(body);
    let properties;
    try {
      properties = parseProperties($('props').value);
    } catch (e) {
      return status('validate-status', e.message, true);
    }
    const rt = $('rt-validate').value;
    if (!rt) return status('validate-status', 'Choose a resource type (paste a token first).', true);
    const request = { properties };
    if ($('target').value.trim()) request.properties_target = $('target').value.trim();
    status('validate-status', 'Checking…');
    try {
      const result = await api('POST', `v2/metadefs/resource_types/${seg(rt)}/validate`, request);
      const verdicts = result.properties || {};
      for (const key of Object.keys(properties)) {
        const v = verdicts[key] || { status: 'unknown' };
        const detail = el('td', { className: 'desc' }, text(v.message));
        if (v.warning) detail.appendChild(el('div', { className: 'warning' }, `warning: ${v.warning}`));
        body.appendChild(
          el(
            'tr',
            { className: `verdict-${v.status}`, attrs: { 'data-property': key, 'data-status': text(v.status) } },
            el('td', { className: 'mono' }, key),
            el('td', { className: 'mono' }, text(properties[key])),
            el('td', null, el('span', { className: 'verdict' }, text(v.status))),
            el('td', { className: 'mono' }, [text(v.namespace), v.object ? `(${text(v.object)})` : ''].filter(Boolean).join(' ')),
            detail,
          ),
        );
      }
      const node = $('validate-status');
      node.classList.remove('error');
      node.replaceChildren(el('span', { className: result.valid ? 'summary-valid' : 'summary-invalid' }, result.valid ? 'valid' : 'invalid'), ` against ${rt}`);
    } catch (e) {
      status('validate-status', e.message, true);
    }
  }

  // ---- wiring -----------------------------------------------------------------------------

  $('use-token').addEventListener('click', useToken);
  $('token').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') useToken();
  });
  $('forget-token').addEventListener('click', forgetToken);
  $('list').addEventListener('click', listNamespaces);
  $('rt-filter').addEventListener('change', listNamespaces);
  $('vis-filter').addEventListener('change', listNamespaces);
  $('run-validate').addEventListener('click', validate);
  try {
    const saved = sessionStorage.getItem(STORAGE_KEY);
    if (saved) {
      $('token').value = saved;
      $('remember').checked = true;
      useToken();
    }
  } catch {
    /* storage disabled */
  }
})();
