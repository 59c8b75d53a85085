// The print button of a printable sheet (the kitchen's counts, the diet sheet): hidden without JavaScript,
// where the browser's own Print command prints the same sheet (the print style hides the rest).
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
