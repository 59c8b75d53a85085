// The kitchen's printable sheet: a real button that prints the page. Without JavaScript the button stays
// hidden and the browser's own Print prints the same sheet (the print style hides the rest).
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
