// The glue between CodeSandbox.cs and a user's code step (component-model §2, elastic.io's code component). The script
// sees what elastic.io's code component gives it that is safe without a network or a file system: msg, messages,
// emitter, wait, console, exports and module, _ (lodash) and moment. run(msg, cfg, snapshot) is called with a `this`
// whose emit and logger record what happens; the host reads the record as JSON once run has settled and replays it
// onto the step. Timers run on a virtual clock the host advances: wait(ms) and setTimeout resolve in order, at once.
var codeHost = (function (global) {
  'use strict';
  var records = [];
  var timers = [];
  var clock = 0;
  var sequence = 0;
  var outcome = null;
  var maxRecords = 10000;

  function record(entry) {
    if (records.length >= maxRecords) {
      throw new Error('A code step may emit and log at most ' + maxRecords + ' times per message.');
    }
    records.push(entry);
  }

  function text(args) {
    return Array.prototype.map.call(args, function (a) {
      if (typeof a === 'string') { return a; }
      if (a instanceof Error) { return a.stack || String(a); }
      try { return JSON.stringify(a); } catch (e) { return String(a); }
    }).join(' ');
  }

  function errorOf(value) {
    if (value instanceof Error) { return { name: value.name || 'Error', message: String(value.message) }; }
    if (value !== null && typeof value === 'object' && value.message !== undefined) {
      return { name: String(value.name || 'Error'), message: String(value.message) };
    }
    return { name: 'Error', message: String(value) };
  }

  function copy(value) {
    if (value === undefined) { return undefined; }
    var json = JSON.stringify(value);
    return json === undefined ? undefined : JSON.parse(json);
  }

  var levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
  var logger = {};
  Object.keys(levels).forEach(function (name) {
    logger[name] = function () { record(['log', levels[name], text(arguments)]); };
  });
  logger.child = function () { return logger; };

  function setTimer(callback, ms, args) {
    var id = ++sequence;
    timers.push({ id: id, at: clock + Math.max(0, Number(ms) || 0), callback: callback, args: args });
    return id;
  }

  function clearTimer(id) {
    timers = timers.filter(function (t) { return t.id !== id; });
  }

  function wait(ms) { return new Promise(function (resolve) { setTimer(resolve, ms, []); }); }

  var messages = {
    newMessageWithBody: function (body) { return { body: body, headers: {}, attachments: {}, metadata: {} }; },
    newEmptyMessage: function () { return { body: {}, headers: {}, attachments: {}, metadata: {} }; },
  };

  var context = {
    emit: function (event, payload) {
      event = String(event);
      if (event === 'error' || event === 'rebound') {
        record(['emit', event, errorOf(payload)]);
      } else if (event === 'end') {
        record(['emit', 'end', null]);
      } else {
        var value = copy(payload);
        record(['emit', event, value === undefined ? null : value]);
      }
      return Promise.resolve();
    },
    logger: logger,
    getFlowVariables: function () { return {}; },
  };

  global.setTimeout = function (callback, ms) { return setTimer(callback, ms, Array.prototype.slice.call(arguments, 2)); };
  global.clearTimeout = clearTimer;
  global.setImmediate = function (callback) { return setTimer(callback, 0, Array.prototype.slice.call(arguments, 1)); };
  global.clearImmediate = clearTimer;
  global.console = {
    log: logger.info, info: logger.info, debug: logger.debug, trace: logger.trace, warn: logger.warn, error: logger.error,
  };

  return {
    // The user's code is compiled as the body of a function, so its declarations are fresh for every message.
    start: function (main, msgJson, cfgJson, snapshotJson, variablesJson) {
      records = [];
      timers = [];
      outcome = null;
      var variables = JSON.parse(variablesJson);
      context.getFlowVariables = function () { return copy(variables); };
      var msg = JSON.parse(msgJson);
      var cfg = JSON.parse(cfgJson);
      var snapshot = JSON.parse(snapshotJson);
      var exportsObject = {};
      var run;
      try {
        run = main(msg, messages, context, wait, exportsObject, { exports: exportsObject }, global);
      } catch (error) {
        outcome = { error: errorOf(error) };
        return;
      }
      if (typeof run !== 'function') {
        outcome = { done: true };
        return;
      }
      var result;
      try {
        result = run.call(context, msg, cfg, snapshot);
      } catch (error) {
        outcome = { error: errorOf(error) };
        return;
      }
      Promise.resolve(result).then(
        function (value) { outcome = { done: true, result: value === undefined || value === null ? null : copy(value) }; },
        function (error) { outcome = { error: errorOf(error) }; });
    },
    // Runs the next timer, if run has not settled; false when there is nothing more to do.
    tick: function () {
      if (outcome !== null || timers.length === 0) { return false; }
      timers.sort(function (a, b) { return a.at - b.at || a.id - b.id; });
      var timer = timers.shift();
      clock = timer.at;
      timer.callback.apply(null, timer.args);
      return true;
    },
    take: function () {
      var answer = outcome === null
        ? { error: { name: 'Error', message: 'run() returned a promise that never settled.' } }
        : outcome;
      answer.records = records;
      records = [];
      timers = [];
      return JSON.stringify(answer);
    },
  };
})(globalThis);
