// Adds this session's CSRF token to every form the admin submits and every script request.
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) { return; }
  var token = meta.getAttribute('content');
  function stamp(form) {
    if ((form.method || 'get').toLowerCase() === 'get') { return; }
    var field = form.querySelector('input[name="csrf_token"]');
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'csrf_token';
      form.appendChild(field);
    }
    field.value = token;
  }
  document.addEventListener('submit', function (event) { stamp(event.target); }, true);
  document.querySelectorAll('form').forEach(stamp);
  var originalFetch = window.fetch;
  window.fetch = function (input, init) {
    init = init || {};
    init.headers = new Headers(init.headers || {});
    init.headers.set('X-CSRF-Token', token);
    return originalFetch(input, init);
  };
  if (window.jQuery) {
    window.jQuery.ajaxSetup({ headers: { 'X-CSRF-Token': token } });
  }
})();
