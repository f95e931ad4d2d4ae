/**
 * The order page's only script (served as /console/live.js; CSP allows our own scripts only): it
 * follows the order over Server-Sent Events and adds each transition to the page as it happens.
 * Text goes in as text (textContent), never markup. Without JavaScript the page refreshes instead.
 */
export const LIVE_SCRIPT = `(() => {
  const page = document.querySelector('[data-live-order]');
  if (!page || !window.EventSource) return;
  const shown = Number(page.getAttribute('data-shown'));
  const rows = document.querySelector('#timeline tbody');
  const status = document.getElementById('order-status');
  const events = new EventSource('/v1/orders/' + encodeURIComponent(page.getAttribute('data-live-order')) + '/events');
  events.addEventListener('transition', (e) => {
    if (Number(e.lastEventId) < shown) return;
    const t = JSON.parse(e.data);
    const row = rows.insertRow();
    for (const text of [t.at.replace('T', ' ').slice(0, 19), t.status, t.note || '']) row.insertCell().textContent = text;
    status.textContent = t.status;
  });
  events.addEventListener('end', () => {
    events.close();
    location.reload(); // the final page: payment, parcels, and no forms left to use
  });
})();
`;
