// Shows the page's flash messages as toasts (SQLAdmin did this in an inline script, which the
// admin's Content-Security-Policy does not run).
(function () {
  function show() {
    document.querySelectorAll('.toast.admin-toast').forEach(function (element) {
      new window.tabler.bootstrap.Toast(element, { delay: 3000 }).show();
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', show);
  } else {
    show();
  }
})();
