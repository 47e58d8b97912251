/* Holdfast widget (GET /widget.js): Holdfast.cancelFlow({publishableKey, customer,
 * subscription, authHash, onDone, apiBase}) and Holdfast.paymentNotice({publishableKey,
 * customer, authHash, style, onUpdate, apiBase, container}). Plain ES2017, no build step.
 * Only global: window.Holdfast. Classes start with "hf-". Text goes in through
 * textContent, never innerHTML, so configured labels cannot inject markup.
 * data-hf attributes are stable test hooks; class names are not. */
(() => {
  'use strict';
  if (window.Holdfast && typeof window.Holdfast.cancelFlow === 'function') return; // loaded twice

  // The API lives where this script came from. document.currentScript is set
  // only while the script first runs, so resolve it now.
  const DEFAULT_BASE = (() => {
    const s = document.currentScript;
    try { if (s && s.src) return new URL(s.src, location.href).origin; } catch (e) { /* use the page's */ }
    return location.origin;
  })();
  const TIMEOUT_MS = 15000; // a hung request must not lock the modal forever
  const FOCUSABLE = 'button:not(:disabled),input:not(:disabled),textarea:not(:disabled)';
  const CSS = `.hf-root{position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483000;display:flex;align-items:center;justify-content:center;padding:16px;background:rgba(15,23,42,.55);font:15px/1.5 system-ui,sans-serif;color:#0f172a;text-align:left}
.hf-root *{box-sizing:border-box}
.hf-dialog{width:100%;max-width:480px;max-width:min(480px,100vw - 32px);max-height:calc(100vh - 32px);overflow:auto;padding:20px;border-radius:12px;background:#fff;box-shadow:0 20px 50px rgba(0,0,0,.3)}
.hf-head{display:flex;align-items:flex-start;justify-content:space-between;gap:12px;margin-bottom:12px}
.hf-title{margin:0;font-size:20px;line-height:1.3;font-weight:650;color:inherit}
.hf-close{flex:none;width:36px;height:36px;margin:-6px -6px 0 0;border:0;border-radius:8px;background:none;color:#475569;font-size:24px;cursor:pointer}
.hf-alert{margin:0 0 12px;padding:10px 12px;border:1px solid #fecaca;border-radius:8px;background:#fef2f2;color:#991b1b}
.hf-alert:empty{display:none}
.hf-body p{margin:0 0 12px}
.hf-fieldset{min-width:0;margin:0 0 12px;padding:0;border:0}
.hf-legend{margin:0 0 8px;padding:0;font-weight:600}
.hf-option{display:flex;align-items:center;gap:10px;margin:0 0 6px;padding:10px 12px;border:1px solid #cbd5e1;border-radius:8px;cursor:pointer}
.hf-option:focus-within{border-color:#4f46e5}
.hf-option input{flex:none;width:18px;height:18px;margin:0;accent-color:#4f46e5}
.hf-label{display:block;margin:0 0 6px;font-weight:600}
.hf-textarea{display:block;width:100%;min-height:72px;padding:8px 10px;border:1px solid #94a3b8;border-radius:8px;background:#fff;color:inherit;font:inherit;resize:vertical}
.hf-actions{display:flex;flex-direction:column;gap:8px;margin-top:16px}
.hf-btn{display:block;width:100%;min-height:44px;padding:10px 16px;border:1px solid transparent;border-radius:8px;font:inherit;font-weight:600;cursor:pointer}
.hf-primary{background:#4f46e5;color:#fff}
.hf-secondary{border-color:#94a3b8;background:#fff;color:#334155}
.hf-danger{background:#b91c1c;color:#fff}
.hf-root :disabled{opacity:.55;cursor:not-allowed}
.hf-offer{font-size:18px;font-weight:600}
.hf-muted{color:#475569}
.hf-root :focus{outline:3px solid #2563eb;outline-offset:2px}
.hf-root :focus:not(:focus-visible),.hf-dialog:focus,.hf-title:focus,.hf-result:focus{outline:none}`;
  // Title, dialog and result are focused only to be read out: no ring there.

  const THANKS = 'Thanks for staying';
  const RESULTS = { // [heading, message] by session outcome
    saved_discount: [THANKS, 'Your discount has been applied.'],
    saved_pause: [THANKS, 'Your subscription is paused.'],
    saved_downgrade: [THANKS, 'Your plan has been changed.'],
    saved_other: [THANKS, 'Thanks! We will be in touch.'],
    canceled: ['Subscription canceled', 'Your subscription will end at the end of the billing period.']
  };

  let seq = 0;
  let current = null; // one modal at a time

  function el(tag, attrs, children) {
    const n = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') n.textContent = v;
      else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : String(v));
    });
    (children || []).forEach((c) => { if (c) n.appendChild(c); });
    return n;
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function positive(v) { const n = Number(v); return isFinite(n) && n > 0 ? n : 0; }

  // describeOffer gives [sentence, detail, accept label] for an offer.
  function describeOffer(o) {
    const msg = typeof o.message === 'string' ? o.message : '';
    const months = (v, prefix) => (positive(v) ? prefix + plural(positive(v), 'month') : '');
    switch (o.type) {
      case 'discount': {
        const pct = positive(o.percent_off);
        return [(pct ? 'Take ' + pct + '% off' : 'Get a discount') + months(o.duration_months, ' for '), msg, 'Apply discount'];
      }
      case 'pause': return ['Pause your subscription' + months(o.max_months, ' for up to '), msg, 'Pause subscription'];
      case 'downgrade': return ['Switch to a cheaper plan', msg, 'Switch plan'];
      default: return [msg || 'We would love the chance to make this right.', '', 'Accept offer'];
    }
  }

  // post makes one API call: the session, or an Error fit to show the customer.
  async function post(base, key, path, payload) {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(() => ctrl.abort(), TIMEOUT_MS) : 0;
    let res, data = null;
    try {
      res = await fetch(base + path, {
        method: 'POST', mode: 'cors', credentials: 'omit', signal: ctrl ? ctrl.signal : undefined,
        headers: { 'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json' },
        body: JSON.stringify(payload)
      });
    } catch (e) {
      throw new Error(e && e.name === 'AbortError' ? 'The server took too long. Please try again.' : 'Could not reach the server. Please try again.');
    } finally {
      clearTimeout(timer);
    }
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const err = data && data.error;
      throw new Error(err && err.message ? String(err.message) : 'Something went wrong (HTTP ' + res.status + ').');
    }
    if (!data || !data.id) throw new Error('Unexpected response from the server. Please try again.');
    return data;
  }

  function openFlow(opts) {
    if (!document.getElementById('hf-style')) document.head.appendChild(el('style', { id: 'hf-style', text: CSS }));
    const id = 'hf-' + (++seq);
    const base = String(opts.apiBase || DEFAULT_BASE).replace(/\/+$/, '');
    const opener = document.activeElement;
    const html = document.documentElement;
    const prevOverflow = html.style.overflow;
    let session = null, finished = false, notified = false, closed = false, busy = false;
    let locked = [], focusBeforeBusy = null, resolve;
    const promise = new Promise((r) => { resolve = r; });

    const title = el('h2', { class: 'hf-title', id: id + '-title', tabindex: '-1' });
    const alertBox = el('div', { class: 'hf-alert', role: 'alert', 'data-hf': 'error' });
    const body = el('div');
    const dialog = el('div', { class: 'hf-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': id + '-title', tabindex: '-1', 'data-hf': 'dialog' }, [
      el('div', { class: 'hf-head' }, [title,
        el('button', { type: 'button', class: 'hf-close', 'aria-label': 'Close', 'data-hf': 'close', text: '\u00d7', onclick: close })]),
      alertBox, body]);
    const root = el('div', { class: 'hf-root' }, [dialog]);

    function button(hook, kind, text, onclick) {
      return el('button', { type: 'button', class: 'hf-btn hf-' + kind, 'data-hf': hook, text, onclick });
    }
    function actions(buttons) { return el('div', { class: 'hf-actions' }, buttons); }

    // show swaps the step and moves focus so screen readers announce it.
    function show(heading, nodes, focusTarget) {
      title.textContent = heading;
      body.textContent = '';
      nodes.forEach((n) => { if (n) body.appendChild(n); });
      (focusTarget || title).focus();
    }
    function setError(msg) { alertBox.textContent = msg; }

    // setBusy disables every control while a request is in flight (nothing is
    // sent twice) and afterwards restores focus if disabling dropped it.
    function setBusy(on) {
      busy = on;
      dialog.setAttribute('aria-busy', String(on));
      if (on) {
        focusBeforeBusy = document.activeElement;
        locked = Array.from(dialog.querySelectorAll('button,input,textarea')).filter((n) => !n.disabled);
        locked.forEach((n) => { n.disabled = true; });
        return;
      }
      locked.forEach((n) => { n.disabled = false; });
      locked = [];
      if (focusBeforeBusy && dialog.contains(focusBeforeBusy) && !dialog.contains(document.activeElement)) focusBeforeBusy.focus();
    }

    async function call(path, payload) {
      setError('');
      setBusy(true);
      try {
        return await post(base, opts.publishableKey, path, payload);
      } catch (e) {
        setError(e.message);
        return null;
      } finally {
        setBusy(false);
      }
    }
    const sessionPath = (action) => '/v1/cancel_sessions/' + encodeURIComponent(session.id) + '/' + action;

    async function start() {
      show('Cancel subscription', [el('p', { class: 'hf-muted', text: 'Loading\u2026' })]);
      const s = await call('/v1/cancel_sessions', { customer: opts.customer, subscription: opts.subscription, auth_hash: opts.authHash });
      if (closed) return;
      if (!s) {
        const retry = button('retry', 'secondary', 'Try again', start);
        show('Cancel subscription', [actions([retry])], retry);
        return;
      }
      session = s;
      survey();
    }

    function survey() {
      const reasons = Array.isArray(session.reasons) ? session.reasons : [];
      if (!reasons.length) return confirmCancel(); // nothing to ask
      const radios = reasons.map((r) => el('input', { type: 'radio', name: id + '-reason', value: r.id, 'data-hf': 'reason' }));
      const feedback = el('textarea', { id: id + '-feedback', class: 'hf-textarea', rows: 3, 'data-hf': 'feedback' });
      const options = reasons.map((r, i) => el('label', { class: 'hf-option' }, [radios[i], el('span', { text: r.label || r.id })]));
      show('We are sorry to see you go', [el('form', { novalidate: true, onsubmit: submit }, [
        el('fieldset', { class: 'hf-fieldset' }, [el('legend', { class: 'hf-legend', text: 'Why are you canceling?' })].concat(options)),
        el('label', { class: 'hf-label', for: id + '-feedback', text: 'Anything else you would like to tell us? (optional)' }),
        feedback,
        actions([el('button', { type: 'submit', class: 'hf-btn hf-primary', 'data-hf': 'submit-reason', text: 'Continue' })])])]);

      async function submit(ev) {
        ev.preventDefault();
        if (busy) return;
        const picked = radios.filter((r) => r.checked)[0];
        if (!picked) {
          setError('Please choose a reason.');
          radios[0].focus();
          return;
        }
        const text = feedback.value.trim();
        const s = await call(sessionPath('respond'), text ? { reason: picked.value, feedback: text } : { reason: picked.value });
        if (!s || closed) return;
        session = s;
        if (s.offer && typeof s.offer === 'object') offer(s.offer);
        else confirmCancel();
      }
    }

    function offer(o) {
      const [text, detail, accept] = describeOffer(o);
      show('Before you go', [
        el('p', { class: 'hf-offer', 'data-hf': 'offer', text }),
        detail ? el('p', { class: 'hf-muted', text: detail }) : null,
        actions([
          button('accept-offer', 'primary', accept, () => finish('accept')),
          button('cancel-subscription', 'secondary', 'No thanks, cancel my subscription', () => finish('cancel'))])]);
    }

    function confirmCancel() {
      show('Cancel your subscription?', [
        el('p', { text: 'Your subscription stays active until the end of the current billing period.' }),
        actions([
          button('cancel-subscription', 'danger', 'Cancel my subscription', () => finish('cancel')),
          button('keep', 'secondary', 'Keep my subscription', close)])]);
    }

    async function finish(action) {
      if (busy || finished) return;
      const s = await call(sessionPath(action), {});
      if (!s || closed) return;
      session = s;
      finished = true;
      const fallback = action === 'cancel' ? 'canceled' : 'saved_other';
      const r = RESULTS[s.outcome] || RESULTS[fallback];
      const result = el('p', { class: 'hf-result', 'data-hf': 'result', tabindex: '-1', text: r[1] });
      show(r[0], [result, actions([button('done', 'primary', 'Close', close)])], result);
      notify(s);
    }

    // notify settles the flow once: the final session, or null if the customer
    // left first. A throwing onDone must not break the modal.
    function notify(value) {
      if (notified) return;
      notified = true;
      resolve(value);
      if (typeof opts.onDone === 'function') {
        try { opts.onDone(value); } catch (e) { setTimeout(() => { throw e; }); }
      }
    }

    function close() {
      if (closed || busy) return; // never walk away from an accept or cancel in flight
      closed = true;
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('focusin', onFocusIn, true);
      root.remove();
      html.style.overflow = prevOverflow;
      current = null;
      if (opener && opener !== document.body && opener.focus && document.contains(opener)) opener.focus();
      notify(finished ? session : null);
    }

    function onKey(e) {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        return close();
      }
      if (e.key !== 'Tab') return;
      const list = Array.from(dialog.querySelectorAll(FOCUSABLE)).filter((n) => n.getClientRects().length > 0);
      const a = document.activeElement;
      if (!list.length) { e.preventDefault(); return title.focus(); }
      const mask = e.shiftKey ? 4 : 2; // wrap only when no control lies before (4) / after (2) a
      if (!dialog.contains(a) || !list.some((n) => n !== a && (n.compareDocumentPosition(a) & mask))) {
        e.preventDefault();
        (e.shiftKey ? list[list.length - 1] : list[0]).focus();
      }
    }

    function onFocusIn(e) { if (!root.contains(e.target)) title.focus(); }

    document.body.appendChild(root);
    html.style.overflow = 'hidden';
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('focusin', onFocusIn, true);
    start();
    return { promise, focus: () => title.focus() };
  }

  /* cancelFlow opens the modal. onDone runs once: with the finished session
   * (`outcome` set) as soon as the customer accepts an offer or cancels, or with
   * null if they close the modal first. The returned Promise gets the same value. */
  function cancelFlow(opts) {
    opts = opts || {};
    ['publishableKey', 'customer', 'subscription'].forEach((k) => {
      if (typeof opts[k] !== 'string' || !opts[k]) throw new TypeError('Holdfast.cancelFlow: option "' + k + '" is required');
    });
    if (current) { current.focus(); return current.promise; }
    current = openFlow(opts);
    return current.promise;
  }

  /* ---- In-app payment notice: Holdfast.paymentNotice ---------------------
   * Renders inside a shadow root (no CSS in or out), styles through a
   * constructable stylesheet (no inline <style> needed under a strict CSP),
   * no inline handlers, no eval. Text goes in through textContent. */
  const NOTICE_CSS = `:host{all:initial}
.hf-n{font:15px/1.5 system-ui,sans-serif;color:#0f172a;box-sizing:border-box}
.hf-n *{box-sizing:border-box}
.hf-banner{position:fixed;top:0;left:0;right:0;z-index:2147482000;display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding:10px 16px;background:#fef2f2;border-bottom:1px solid #fecaca;color:#7f1d1d}
.hf-banner.hf-inline{position:static}
.hf-banner.hf-expiring{background:#fffbeb;border-color:#fde68a;color:#78350f}
.hf-msg{flex:1 1 240px;margin:0}
.hf-btn{min-height:40px;padding:8px 14px;border:1px solid transparent;border-radius:8px;font:inherit;font-weight:600;cursor:pointer;background:#4f46e5;color:#fff}
.hf-x{width:40px;height:40px;padding:0;border:0;border-radius:8px;background:none;color:inherit;font-size:22px;cursor:pointer}
.hf-wall{position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483000;display:flex;align-items:center;justify-content:center;padding:16px;background:rgba(15,23,42,.72)}
.hf-card{width:100%;max-width:440px;padding:24px;border-radius:12px;background:#fff;box-shadow:0 20px 50px rgba(0,0,0,.35)}
.hf-card h2{margin:0 0 8px;font-size:20px;line-height:1.3}
.hf-card p{margin:0 0 16px}
.hf-card .hf-btn{width:100%}
.hf-n :focus{outline:3px solid #2563eb;outline-offset:2px}
.hf-n :focus:not(:focus-visible),.hf-n h2:focus{outline:none}`;

  function noticeSheet(shadow) {
    try {
      if (typeof CSSStyleSheet === 'function' && 'adoptedStyleSheets' in shadow) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(NOTICE_CSS);
        shadow.adoptedStyleSheets = [sheet];
        return;
      }
    } catch (e) { /* fall back to a <style> element */ }
    shadow.appendChild(el('style', { text: NOTICE_CSS }));
  }

  function money(amount, currency) {
    if (typeof amount !== 'number' || !currency) return '';
    try {
      const f = new Intl.NumberFormat(undefined, { style: 'currency', currency: String(currency).toUpperCase() });
      return f.format(amount / Math.pow(10, f.resolvedOptions().maximumFractionDigits));
    } catch (e) {
      return (amount / 100).toFixed(2) + ' ' + String(currency).toUpperCase();
    }
  }

  // noticeText gives [heading, message] for a notice.
  function noticeText(n) {
    const amt = money(n.amount_due, n.currency);
    if (n.state === 'card_expiring') {
      const c = n.card || {};
      const which = c.last4 ? 'The card ending in ' + c.last4 : 'Your card';
      return ['Your card expires soon', which + ' expires before your next payment' + (amt ? ' of ' + amt : '') + '. Update it to keep your subscription running.'];
    }
    return ['Your payment didn\u2019t go through', 'We couldn\u2019t charge ' + (amt || 'your latest payment') + '. Update your payment method to keep your subscription.'];
  }

  async function noticeCall(base, key, method, path, payload) {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(() => ctrl.abort(), TIMEOUT_MS) : 0;
    try {
      const res = await fetch(base + path, {
        method, mode: 'cors', credentials: 'omit', keepalive: method === 'POST', signal: ctrl ? ctrl.signal : undefined,
        headers: Object.assign({ 'Authorization': 'Bearer ' + key }, payload ? { 'Content-Type': 'application/json' } : {}),
        body: payload ? JSON.stringify(payload) : undefined
      });
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new Error((data && data.error && data.error.message) || 'HTTP ' + res.status);
      return data;
    } finally {
      clearTimeout(timer);
    }
  }

  let noticeSeq = 0;

  /* paymentNotice shows a customer whose payment failed (or whose card
   * expires before the next renewal) a dismissible banner (style "banner",
   * the default) or a blocking wall (style "wall") with an "Update payment
   * method" button; it renders nothing when all is well. The button records
   * the click, then calls onUpdate(notice) when given (the page decides what
   * to do), else opens notice.update_url. Options: publishableKey, customer,
   * authHash, style, onUpdate, apiBase, container (banner only: render inline
   * in this element instead of fixed at the top). Resolves with the notice
   * shown, or null when there was nothing to show or it could not be read. */
  async function paymentNotice(opts) {
    opts = opts || {};
    ['publishableKey', 'customer', 'authHash'].forEach((k) => {
      if (typeof opts[k] !== 'string' || !opts[k]) throw new TypeError('Holdfast.paymentNotice: option "' + k + '" is required');
    });
    const style = opts.style === 'wall' ? 'wall' : 'banner';
    const base = String(opts.apiBase || DEFAULT_BASE).replace(/\/+$/, '');
    const who = { customer: opts.customer, auth_hash: opts.authHash, style };
    let n;
    try {
      n = await noticeCall(base, opts.publishableKey, 'GET', '/v1/customer_notice?customer=' + encodeURIComponent(opts.customer) +
        '&auth_hash=' + encodeURIComponent(opts.authHash));
    } catch (e) {
      return null; // never break the merchant's page over a notice
    }
    if (!n || n.state === 'ok' || (n.state !== 'payment_failed' && n.state !== 'card_expiring')) return null;

    const id = 'hf-notice-' + (++noticeSeq);
    const host = el('div', { 'data-holdfast-notice': style });
    const shadow = host.attachShadow({ mode: 'open' });
    noticeSheet(shadow);
    const [heading, message] = noticeText(n);
    const html = document.documentElement;
    const prevOverflow = html.style.overflow;
    const opener = document.activeElement;
    let closed = false;

    let updating = false;
    async function update() {
      if (updating) return;
      updating = true;
      // Record the click first (at most a second), so it is counted even
      // when the page navigates away at once.
      await Promise.race([noticeCall(base, opts.publishableKey, 'POST', '/v1/customer_notice/click', who).catch(() => {}),
        new Promise((r) => setTimeout(r, 1000))]);
      updating = false;
      if (typeof opts.onUpdate === 'function') {
        try { opts.onUpdate(n); } catch (e) { setTimeout(() => { throw e; }); }
        return;
      }
      if (n.update_url) window.location.assign(n.update_url);
    }
    const updateBtn = el('button', { type: 'button', class: 'hf-btn', 'data-hf': 'notice-update', text: 'Update payment method', onclick: update });

    function close() {
      if (closed) return;
      closed = true;
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('focusin', onFocusIn, true);
      host.remove();
      if (style === 'wall') html.style.overflow = prevOverflow;
    }

    let root, title;
    if (style === 'wall') {
      title = el('h2', { id: id + '-title', tabindex: '-1', text: heading });
      const card = el('div', { class: 'hf-card', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': id + '-title',
        'aria-describedby': id + '-msg', 'data-hf': 'notice-wall' }, [title, el('p', { id: id + '-msg', text: message }), updateBtn]);
      root = el('div', { class: 'hf-n hf-wall' }, [card]);
    } else {
      const cls = 'hf-n hf-banner' + (n.state === 'card_expiring' ? ' hf-expiring' : '') + (opts.container ? ' hf-inline' : '');
      root = el('div', { class: cls, role: 'region', 'aria-label': heading, 'data-hf': 'notice-banner' }, [
        el('p', { class: 'hf-msg', role: 'status' }, [el('strong', { text: heading + '. ' }), document.createTextNode(message)]),
        updateBtn,
        el('button', { type: 'button', class: 'hf-x', 'aria-label': 'Dismiss', 'data-hf': 'notice-dismiss', text: '\u00d7', onclick: close })]);
    }
    shadow.appendChild(root);

    // The wall keeps focus inside itself (it has one control), and Escape
    // does not close it: it blocks until the payment method is updated.
    function onKey(e) {
      if (style === 'banner') {
        if (e.key === 'Escape' && shadow.activeElement) close();
        return;
      }
      if (e.key === 'Tab') {
        e.preventDefault();
        updateBtn.focus();
      }
    }
    function onFocusIn(e) { if (style === 'wall' && e.target !== host) updateBtn.focus(); }

    if (style === 'wall') {
      document.body.appendChild(host);
      html.style.overflow = 'hidden';
      document.addEventListener('focusin', onFocusIn, true);
      updateBtn.focus();
    } else if (opts.container && opts.container.appendChild) {
      opts.container.appendChild(host);
    } else {
      document.body.insertBefore(host, document.body.firstChild);
    }
    document.addEventListener('keydown', onKey, true);
    if (opener && style === 'wall' && opener.blur) opener.blur();
    noticeCall(base, opts.publishableKey, 'POST', '/v1/customer_notice/view', who).catch(() => {});
    return n;
  }

  window.Holdfast = Object.assign(window.Holdfast || {}, { cancelFlow, paymentNotice });
})();
