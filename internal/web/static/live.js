// Khiên — the live alert list. The alerts page's table names its stream in
// data-live; each "alert" event carries one table row rendered by the
// server (in the viewer's language, only alerts the viewer may see), which
// goes to the top of the table, replacing the row of the same alert. A
// "remove" event names an alert that left the filtered list; "reload" asks
// for the page again (the stream lost alerts, or the session ended).
(function () {
  'use strict';
  var table = document.getElementById('alert-table');
  if (!table || !window.EventSource) {
    return;
  }
  var url = table.getAttribute('data-live');
  var body = table.tBodies[0];
  var status = document.getElementById('live-status');
  if (!url || !body) {
    return;
  }

  function show(state) {
    if (!status) {
      return;
    }
    status.setAttribute('data-state', state);
    status.textContent = status.getAttribute('data-msg-' + state) || '';
  }

  function rowOf(id) {
    var rows = body.querySelectorAll('tr[data-id]');
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute('data-id') === id) {
        return rows[i];
      }
    }
    return null;
  }

  var source = new EventSource(url);
  source.addEventListener('open', function () { show('on'); });
  source.addEventListener('error', function () {
    show(source.readyState === EventSource.CLOSED ? 'off' : 'retry');
  });
  source.addEventListener('alert', function (e) {
    var tpl = document.createElement('template');
    tpl.innerHTML = e.data;
    var row = tpl.content.querySelector('tr[data-id]');
    if (!row) {
      return;
    }
    var old = rowOf(row.getAttribute('data-id'));
    if (old) {
      old.remove();
    }
    var empty = body.querySelector('tr.empty-row');
    if (empty) {
      empty.remove();
    }
    row.classList.add('fresh');
    body.insertBefore(row, body.firstChild);
  });
  source.addEventListener('remove', function (e) {
    var old = rowOf(e.data);
    if (old) {
      old.remove();
    }
  });
  source.addEventListener('reload', function () {
    source.close();
    window.location.reload();
  });
})();
