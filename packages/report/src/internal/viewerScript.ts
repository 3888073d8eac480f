// The interactive attention viewer: plain JavaScript, no framework, run from file://.
// Reads #viewer-data (JSON) and draws into #viewer.

export const VIEWER_CSS = `
#viewer .controls{display:flex;flex-wrap:wrap;gap:.8em;align-items:center;margin:.5em 0}
#viewer .stage{display:flex;gap:1.2em;flex-wrap:wrap;align-items:flex-start}
#viewer canvas{image-rendering:pixelated;border:1px solid #ccc}
#viewer canvas.query{cursor:crosshair}
#viewer canvas.query:focus{outline:2px solid #e41a1c}
#viewer .heads{display:flex;flex-wrap:wrap;gap:.6em}
#viewer figure{margin:0}
#viewer figcaption{font-size:.8em;color:#444;text-align:center}
#viewer .status{font-size:.85em;color:#333;min-height:1.2em}
`;

export const VIEWER_JS = String.raw`
(function () {
  'use strict';
  var el = document.getElementById('viewer');
  var dataEl = document.getElementById('viewer-data');
  if (!el || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  if (!data.models.length) return;
  var lut = [];
  for (var i = 0; i < 256; i++) lut.push([parseInt(data.lut.substr(i * 6, 2), 16), parseInt(data.lut.substr(i * 6 + 2, 2), 16), parseInt(data.lut.substr(i * 6 + 4, 2), 16)]);
  function bytes(b64) { var s = atob(b64), u = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return u; }
  var S = 168; // display size of every canvas
  var state = { m: 0, img: 0, layer: 0, q: 0, fromCls: false, pinned: false };
  var cache = {};
  function decoded(mi, ii) {
    var key = mi + ':' + ii;
    if (!cache[key]) {
      var im = data.models[mi].images[ii];
      var sc = bytes(im.scale);
      cache[key] = { att: bytes(im.att), scale: new Float32Array(sc.buffer, sc.byteOffset, sc.byteLength / 4), image: null };
      var img = new Image();
      img.onload = function () { cache[key].image = img; draw(); };
      img.src = im.png;
    }
    return cache[key];
  }
  function h(tag, attrs, kids) { var e = document.createElement(tag); for (var k in attrs) e.setAttribute(k, attrs[k]); (kids || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); }); return e; }
  var modelSel = h('select', { 'aria-label': 'model', id: 'viewer-model' });
  data.models.forEach(function (m, i) { modelSel.appendChild(h('option', { value: i }, [m.name])); });
  var imageSel = h('select', { 'aria-label': 'image', id: 'viewer-image' });
  var layerIn = h('input', { type: 'range', min: 0, max: 0, value: 0, step: 1, 'aria-label': 'layer', id: 'viewer-layer' });
  var layerOut = h('output', {}, ['']);
  var clsBox = h('input', { type: 'checkbox', id: 'viewer-cls' });
  var status = h('div', { class: 'status', 'aria-live': 'polite', id: 'viewer-status' });
  el.appendChild(h('div', { class: 'controls' }, [h('label', {}, ['model ', modelSel]), h('label', {}, ['image ', imageSel]), h('label', {}, ['layer ', layerIn, ' ', layerOut]), h('label', {}, [clsBox, ' query = CLS token'])]));
  el.appendChild(h('p', { class: 'hint' }, ['Hover or click a patch of the image on the left (click pins it); arrow keys move the query patch, [ and ] (or PageUp/PageDown) change the layer, c toggles the CLS query. Each panel on the right is one head: where that query attends, brighter = more (each map min–max scaled; the caption gives its range).']));
  var query = h('canvas', { width: S, height: S, class: 'query', tabindex: 0, 'aria-label': 'query patch picker', id: 'viewer-query' });
  var heads = h('div', { class: 'heads', id: 'viewer-heads' });
  el.appendChild(h('div', { class: 'stage' }, [h('figure', {}, [query, h('figcaption', {}, ['query'])]), heads]));
  el.appendChild(status);
  var headCanvases = [];
  var small = document.createElement('canvas');
  function setModel(mi) {
    state.m = mi; state.img = 0; var m = data.models[mi];
    imageSel.innerHTML = '';
    m.images.forEach(function (im, i) { imageSel.appendChild(h('option', { value: i }, [im.id])); });
    layerIn.max = m.layers.length - 1;
    state.layer = Math.min(state.layer, m.layers.length - 1); layerIn.value = state.layer;
    state.q = 0; state.fromCls = !m.cls ? false : state.fromCls; clsBox.disabled = !m.cls; clsBox.checked = state.fromCls;
    heads.innerHTML = ''; headCanvases = [];
    for (var k = 0; k < m.heads; k++) {
      var c = h('canvas', { width: S, height: S, 'data-head': k, class: 'head' });
      var cap = h('figcaption', {}, ['head ' + k]);
      heads.appendChild(h('figure', {}, [c, cap]));
      headCanvases.push({ c: c, cap: cap });
    }
    draw();
  }
  function draw() {
    var m = data.models[state.m], gh = m.grid[0], gw = m.grid[1], N = gh * gw, Q = N + (m.cls ? 1 : 0);
    var d = decoded(state.m, state.img);
    layerOut.textContent = String(m.layers[state.layer]);
    var qi = state.fromCls && m.cls ? 0 : (m.cls ? 1 : 0) + state.q;
    var ctx = query.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, S, S);
    if (d.image) ctx.drawImage(d.image, 0, 0, S, S);
    ctx.strokeStyle = 'rgba(255,255,255,0.25)'; ctx.lineWidth = 1;
    for (var i = 1; i < gh; i++) { ctx.beginPath(); ctx.moveTo(0, i * S / gh); ctx.lineTo(S, i * S / gh); ctx.stroke(); }
    for (var j = 1; j < gw; j++) { ctx.beginPath(); ctx.moveTo(j * S / gw, 0); ctx.lineTo(j * S / gw, S); ctx.stroke(); }
    if (!(state.fromCls && m.cls)) {
      var qy = Math.floor(state.q / gw), qx = state.q % gw;
      ctx.strokeStyle = '#e41a1c'; ctx.lineWidth = 2; ctx.strokeRect(qx * S / gw + 1, qy * S / gh + 1, S / gw - 2, S / gh - 2);
    }
    small.width = gw; small.height = gh;
    var sctx = small.getContext('2d');
    headCanvases.forEach(function (hc, k) {
      var r = (state.layer * m.heads + k) * Q + qi;
      var px = sctx.createImageData(gw, gh);
      for (var t = 0; t < N; t++) { var c = lut[d.att[r * N + t]]; px.data[t * 4] = c[0]; px.data[t * 4 + 1] = c[1]; px.data[t * 4 + 2] = c[2]; px.data[t * 4 + 3] = 255; }
      sctx.putImageData(px, 0, 0);
      var hctx = hc.c.getContext('2d');
      hctx.imageSmoothingEnabled = false;
      hctx.globalAlpha = 1; hctx.fillStyle = '#fff'; hctx.fillRect(0, 0, S, S);
      if (d.image) { hctx.globalAlpha = 1; hctx.drawImage(d.image, 0, 0, S, S); }
      hctx.globalAlpha = 0.7; hctx.drawImage(small, 0, 0, S, S); hctx.globalAlpha = 1;
      hc.cap.textContent = 'head ' + k + ' · ' + d.scale[2 * r].toFixed(3) + '–' + d.scale[2 * r + 1].toFixed(3);
    });
    var qtext = state.fromCls && m.cls ? 'CLS' : 'patch (row ' + Math.floor(state.q / gw) + ', col ' + (state.q % gw) + ')';
    status.textContent = m.name + ' · ' + m.images[state.img].id + ' · layer ' + m.layers[state.layer] + ' · query ' + qtext + (state.pinned ? ' · pinned' : '');
    el.setAttribute('data-state', [state.m, state.img, m.layers[state.layer], state.fromCls ? 'cls' : state.q].join(','));
  }
  function patchAt(ev) {
    var m = data.models[state.m], rect = query.getBoundingClientRect();
    var x = Math.floor(((ev.clientX - rect.left) / rect.width) * m.grid[1]), y = Math.floor(((ev.clientY - rect.top) / rect.height) * m.grid[0]);
    return Math.max(0, Math.min(m.grid[0] - 1, y)) * m.grid[1] + Math.max(0, Math.min(m.grid[1] - 1, x));
  }
  query.addEventListener('mousemove', function (ev) { if (state.pinned) return; state.q = patchAt(ev); state.fromCls = false; clsBox.checked = false; draw(); });
  query.addEventListener('click', function (ev) { var q = patchAt(ev); state.pinned = !(state.pinned && q === state.q); state.q = q; state.fromCls = false; clsBox.checked = false; query.focus(); draw(); });
  query.addEventListener('keydown', function (ev) {
    var m = data.models[state.m], gh = m.grid[0], gw = m.grid[1], y = Math.floor(state.q / gw), x = state.q % gw, used = true;
    if (ev.key === 'ArrowLeft') x = Math.max(0, x - 1);
    else if (ev.key === 'ArrowRight') x = Math.min(gw - 1, x + 1);
    else if (ev.key === 'ArrowUp') y = Math.max(0, y - 1);
    else if (ev.key === 'ArrowDown') y = Math.min(gh - 1, y + 1);
    else if (ev.key === '[' || ev.key === 'PageUp') { state.layer = Math.max(0, state.layer - 1); layerIn.value = state.layer; }
    else if (ev.key === ']' || ev.key === 'PageDown') { state.layer = Math.min(m.layers.length - 1, state.layer + 1); layerIn.value = state.layer; }
    else if (ev.key === 'c' && m.cls) { state.fromCls = !state.fromCls; clsBox.checked = state.fromCls; }
    else used = false;
    if (!used) return;
    ev.preventDefault();
    if (ev.key.indexOf('Arrow') === 0) { state.fromCls = false; clsBox.checked = false; state.pinned = true; }
    state.q = y * gw + x; draw();
  });
  modelSel.addEventListener('change', function () { setModel(+modelSel.value); });
  imageSel.addEventListener('change', function () { state.img = +imageSel.value; draw(); });
  layerIn.addEventListener('input', function () { state.layer = +layerIn.value; draw(); });
  clsBox.addEventListener('change', function () { state.fromCls = clsBox.checked; draw(); });
  setModel(0);
})();
`;
