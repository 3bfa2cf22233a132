// Names the controls SQLAdmin's own list pages leave without text, for screen readers:
// the search reset button (an icon only) and the header of the row-actions column (empty).
// The words come, translated, from <meta name="nearmiss-labels"> in the base template.
(function () {
  var labels = document.querySelector('meta[name="nearmiss-labels"]');
  if (!labels) { return; }
  var reset = document.getElementById('search-reset');
  if (reset && !reset.getAttribute('aria-label')) {
    reset.setAttribute('aria-label', labels.dataset.clearSearch);
  }
  document.querySelectorAll('thead th').forEach(function (cell) {
    if (cell.textContent.trim() || cell.querySelector('input, a, button')) { return; }
    var name = document.createElement('span');
    name.className = 'visually-hidden';
    name.textContent = labels.dataset.rowActions;
    cell.appendChild(name);
  });
})();
