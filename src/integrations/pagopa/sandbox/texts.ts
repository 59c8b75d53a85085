/**
 * The sandbox's own pages speak Italian only: they play the pagoPA checkout and an Italian tobacconist,
 * which a demo audience expects in Italian whatever language it reads our portal in. Every title names
 * the sandbox, so that no browser tab is mistaken for pagoPA.
 */
export const sandboxTexts = {
  banner: 'Ambiente di prova: questa pagina simula pagoPA e non è pagoPA. Non si muove denaro vero.',
  checkout: {
    title: 'Sandbox pagoPA — pagamento',
    lead: "Controlla gli avvisi e scegli come la sandbox consegnerà la ricevuta al servizio dell'ente.",
    caption: 'Avvisi nel carrello',
    description: 'Descrizione',
    creditor: 'Ente creditore',
    noticeCode: 'Codice avviso',
    amount: 'Importo',
    total: 'Totale',
    pay: 'Paga',
    cancel: 'Annulla',
    doublePayment: 'Doppio pagamento: paga anche un avviso già pagato altrove nel frattempo',
    doublePaymentHint:
      "Simula il caso raro in cui pagoPA accetta due pagamenti dello stesso avviso (per esempio in tabaccheria mentre questo carrello era in pagamento): l'ente riceve due ricevute.",
    notFoundTitle: 'Sandbox pagoPA — carrello non trovato',
    notFoundBody: 'Il carrello indicato non esiste o non è più disponibile.',
    closedTitle: 'Sandbox pagoPA — carrello chiuso',
    closed: {
      paid: 'Questo carrello è già stato pagato.',
      cancelled: 'Questo pagamento è stato annullato.',
      failed: 'Questo pagamento non è andato a buon fine: uno degli avvisi non era più pagabile.',
    } as Record<string, string>,
    backToCreditor: "Torna al sito dell'ente",
    badRequestTitle: 'Sandbox pagoPA — richiesta non valida',
  },
  delivery: {
    label: 'Consegna della ricevuta',
    hint: 'Serve a provare come il servizio riceve le ricevute di pagoPA.',
    options: {
      normale: 'normale',
      doppia: 'doppia — la stessa ricevuta consegnata due volte',
      'in-ritardo': 'in ritardo — consegnata dopo 3 secondi',
      nessuna: "nessuna — mai inviata, disponibile solo dall'API delle ricevute",
    },
  },
  counter: {
    title: 'Sandbox pagoPA — paga un avviso',
    lead: "Simula il pagamento di un avviso in tabaccheria o allo sportello, con il codice stampato sull'avviso.",
    creditorTaxCode: "Codice fiscale dell'ente creditore",
    creditorTaxCodeHint: '11 cifre',
    noticeCode: 'Codice avviso',
    noticeCodeHint: "18 cifre, anche con gli spazi come sull'avviso",
    submit: "Paga l'avviso",
    errorsTitle: 'Il pagamento non è stato eseguito:',
    problems: {
      taxCode: "Il codice fiscale dell'ente creditore deve avere 11 cifre.",
      length: 'Il codice avviso deve avere 18 cifre.',
      digits: 'Il codice avviso può contenere solo cifre e spazi.',
      aux: 'Il codice avviso deve cominciare con la cifra 3.',
      check: 'Il codice avviso non è corretto: controlla di averlo copiato senza errori.',
      delivery: 'Scegli una delle modalità di consegna della ricevuta.',
      unknown: "Non c'è un avviso da pagare con questo codice per questo ente.",
      invalid: "L'avviso è stato annullato dall'ente e non si può pagare.",
      paid: "L'avviso risulta già pagato.",
    },
    doneTitle: 'Sandbox pagoPA — avviso pagato',
    doneLead: 'Il pagamento è stato registrato dalla sandbox.',
    doneAmount: 'Importo pagato',
    doneNoticeCode: 'Codice avviso',
    doneCreditor: 'Ente creditore',
    doneReceiptId: 'Identificativo della ricevuta',
    another: 'Paga un altro avviso',
    receiptNotFoundTitle: 'Sandbox pagoPA — ricevuta non trovata',
    receiptNotFoundBody: 'La ricevuta indicata non esiste.',
  },
} as const;

export type DeliveryMode = keyof typeof sandboxTexts.delivery.options;
export const DELIVERY_MODES = Object.keys(sandboxTexts.delivery.options) as [DeliveryMode, ...DeliveryMode[]];
