// After a refused submit the page starts with its error summary (views/components.tsx, ErrorSummary):
// move the focus there, so that a screen reader reads what went wrong first and a keyboard continues
// from it. Without JavaScript the summary is still the first thing in the main content.
(function () {
  'use strict';
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
