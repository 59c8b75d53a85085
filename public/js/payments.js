// Pagamento dei servizi scolastici: shows the total of the documents ticked so far, and stops a sixth
// box from being ticked once the maximum is chosen. An enhancement only: without it the form works
// the same, and the server computes the amounts and refuses more than the maximum in any case.
(function () {
  'use strict';
  var form = document.querySelector('form[data-payment-choice]');
  if (!form) return;
  var output = document.getElementById('chosen-total');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type=checkbox][data-amount-cents]'));
  var max = Number(form.getAttribute('data-max'));
  var euro = new Intl.NumberFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'it-IT', { style: 'currency', currency: 'EUR' });

  function update() {
    var chosen = boxes.filter(function (box) { return box.checked; });
    var cents = chosen.reduce(function (sum, box) { return sum + Number(box.getAttribute('data-amount-cents')); }, 0);
    var full = chosen.length >= max;
    boxes.forEach(function (box) { if (!box.checked) box.disabled = full; });
    var template = output.getAttribute(chosen.length === 0 ? 'data-none' : full ? 'data-full' : 'data-some');
    output.textContent = template.replace('{count}', String(chosen.length)).replace('{total}', euro.format(cents / 100));
  }

  boxes.forEach(function (box) { box.addEventListener('change', update); });
  output.hidden = false;
  update();
})();
