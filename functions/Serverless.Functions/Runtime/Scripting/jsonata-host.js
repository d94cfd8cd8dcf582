// The glue between Jsonata.cs and jsonata.js in one pooled V8 engine. Values cross as JSON text; an answer is a string
// whose first character says what follows: 'v' and the result's JSON, 'u' for undefined, 'e' and the error's JSON.
// jsonata 2.x evaluates asynchronously, so start() begins an evaluation and take() reads its outcome after the
// microtasks have run (V8 runs them when the host's call returns).
var jsonataHost = (function (jsonata, momentWrapper) {
  'use strict';
  var cache = new Map();
  var current = { passthrough: undefined, variables: undefined };
  var outcome = null;
  var maxCached = 1000;

  function describe(error) {
    if (error instanceof Error) {
      return JSON.stringify({ message: String(error.message || error) });
    }
    if (error === null || typeof error !== 'object') {
      return JSON.stringify({ message: String(error) });
    }
    return JSON.stringify({ code: error.code, position: error.position, token: error.token, message: error.message });
  }

  function compiled(text) {
    var expression = cache.get(text);
    if (expression === undefined) {
      expression = jsonata(text);
      expression.assign('moment', momentWrapper);
      expression.assign('getPassthrough', function () { return current.passthrough; });
      expression.assign('getFlowVariables', function () { return current.variables; });
      if (cache.size >= maxCached) {
        cache.clear();
      }
      cache.set(text, expression);
    }
    return expression;
  }

  function settle(result) {
    if (result === undefined || typeof result === 'function') {
      return 'u';
    }
    var json = JSON.stringify(result);
    return json === undefined ? 'u' : 'v' + json;
  }

  // A mapper (component-model §4.4c): each string leaf an expression, other leaves literal, objects and arrays walked,
  // undefined results left out. A failure names the key it happened at.
  async function walk(node, path, input) {
    if (typeof node === 'string') {
      var value;
      try {
        value = await compiled(node).evaluate(input);
      } catch (error) {
        throw { key: path, error: error };
      }
      return typeof value === 'function' ? undefined : value;
    }
    if (Array.isArray(node)) {
      var items = [];
      for (var i = 0; i < node.length; i++) {
        var item = await walk(node[i], path + '[' + i + ']', input);
        if (item !== undefined) {
          items.push(item);
        }
      }
      return items;
    }
    if (node !== null && typeof node === 'object') {
      var result = {};
      var keys = Object.keys(node);
      for (var k = 0; k < keys.length; k++) {
        var member = await walk(node[keys[k]], path === '' ? keys[k] : path + '.' + keys[k], input);
        if (member !== undefined) {
          result[keys[k]] = member;
        }
      }
      return result;
    }
    return node;
  }

  function prepare(inputJson, passthroughJson, variablesJson) {
    var input = inputJson === null ? undefined : JSON.parse(inputJson);
    current.passthrough = passthroughJson === null ? undefined : JSON.parse(passthroughJson);
    current.variables = variablesJson === null ? undefined : JSON.parse(variablesJson);
    if (current.passthrough !== undefined && input !== null && typeof input === 'object' && !Array.isArray(input)) {
      // The legacy form of the passthrough (component-model §6.2): body.elasticio, a reserved name beside it.
      if (Object.prototype.hasOwnProperty.call(input, 'elasticio')) {
        throw { message: 'The body property "elasticio" is reserved when the message has a passthrough.' };
      }
      input.elasticio = current.passthrough;
    }
    return input;
  }

  return {
    map: function (mapperJson, inputJson, passthroughJson, variablesJson) {
      outcome = null;
      var input;
      try {
        input = prepare(inputJson, passthroughJson, variablesJson);
      } catch (error) {
        outcome = 'e' + describe(error);
        return;
      }
      walk(JSON.parse(mapperJson), '', input).then(
        function (result) { outcome = settle(result); },
        function (failure) {
          outcome = failure && failure.key !== undefined
            ? 'e' + JSON.stringify({ key: failure.key, error: JSON.parse(describe(failure.error)) })
            : 'e' + describe(failure);
        });
    },
    compile: function (text) {
      try { compiled(text); return 'u'; } catch (error) { return 'e' + describe(error); }
    },
    start: function (text, inputJson, passthroughJson, variablesJson) {
      outcome = null;
      var expression;
      try {
        expression = compiled(text);
      } catch (error) {
        outcome = 'e' + describe(error);
        return;
      }
      try {
        var input = prepare(inputJson, passthroughJson, variablesJson);
        expression.evaluate(input).then(
          function (result) { outcome = settle(result); },
          function (error) { outcome = 'e' + describe(error); });
      } catch (error) {
        outcome = 'e' + describe(error);
      }
    },
    take: function () {
      var result = outcome;
      outcome = null;
      current.passthrough = current.variables = undefined;
      return result === null ? 'e' + JSON.stringify({ message: 'The expression did not finish.' }) : result;
    },
  };
})(jsonata, momentWrapper);
