// The print button of a printable sheet (the office's diet sheet): hidden without JavaScript, where the
// browser's own Print command does the same; here it is shown and opens the print dialog.
(function () {
  'use strict';
  var buttons = document.querySelectorAll('[data-print]');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener('click', function () {
      document.defaultView.print();
    });
  }
})();
