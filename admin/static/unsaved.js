// Keeps what someone typed in one form of a page while they submit another form of it.
// A form with an id and data-keep-unsaved remembers its changed fields in sessionStorage
// (this browser tab only) and, when the page loads again, puts them back with a note that
// they are not saved yet (the note's text is the attribute's value). Submitting the form
// itself saves it, so its copy is dropped; the login page (after logout) drops them all.
(function () {
  var store = window.sessionStorage;
  var PREFIX = 'nearmiss-unsaved:';
  if (!store) { return; }
  if (document.querySelector('form[action$="/login"]')) {
    Object.keys(store).forEach(function (k) { if (k.indexOf(PREFIX) === 0) { store.removeItem(k); } });
    return;
  }
  function storageKey(form) { return PREFIX + location.pathname + '#' + form.id; }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && ['hidden', 'submit', 'button', 'reset', 'file'].indexOf(el.type) < 0;
    });
  }
  function fieldKey(el) {
    return (el.type === 'checkbox' || el.type === 'radio') ? el.name + '=' + el.value : el.name;
  }
  function initialValue(el) {
    if (el.tagName === 'SELECT') {
      var chosen = Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; });
      return chosen.length ? chosen[0].value : (el.options.length ? el.options[0].value : '');
    }
    return el.defaultValue;
  }
  function changes(form) {
    var out = {};
    fields(form).forEach(function (el) {
      if (el.type === 'checkbox' || el.type === 'radio') {
        if (el.checked !== el.defaultChecked) { out[fieldKey(el)] = el.checked; }
      } else if (el.value !== initialValue(el)) {
        out[fieldKey(el)] = el.value;
      }
    });
    return out;
  }
  function remember(form) {
    var changed = changes(form);
    if (Object.keys(changed).length) {
      store.setItem(storageKey(form), JSON.stringify(changed));
    } else {
      store.removeItem(storageKey(form));
    }
  }
  function restore(form) {
    var saved;
    try { saved = JSON.parse(store.getItem(storageKey(form)) || 'null'); } catch (e) { saved = null; }
    if (!saved) { return; }
    fields(form).forEach(function (el) {
      var k = fieldKey(el);
      if (!Object.prototype.hasOwnProperty.call(saved, k)) { return; }
      if (el.type === 'checkbox' || el.type === 'radio') { el.checked = saved[k]; } else { el.value = saved[k]; }
    });
    var note = document.createElement('div');
    note.className = 'alert alert-warning unsaved-note';
    note.setAttribute('role', 'status');
    note.textContent = form.getAttribute('data-keep-unsaved');
    var body = form.querySelector('.card-body') || form;
    body.insertBefore(note, body.firstChild);
  }
  document.querySelectorAll('form[id][data-keep-unsaved]').forEach(function (form) {
    restore(form);
    form.addEventListener('input', function () { remember(form); });
    form.addEventListener('change', function () { remember(form); });
    form.addEventListener('submit', function () { store.removeItem(storageKey(form)); });
  });
})();
