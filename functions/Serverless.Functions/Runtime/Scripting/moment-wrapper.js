// $moment for jsonata (component-model §6.2). jsonata 2.x resolves only own, non-function properties... of plain data,
// and calls only functions it finds as own properties, so moment's prototype methods are out of its reach: each
// $moment() result is a wrapper whose methods are own properties, each returning a new wrapper for a moment result.
// toJSON makes a bare $moment() serialise as the ISO string.
var momentWrapper = (function (moment) {
  'use strict';
  var names = Object.getOwnPropertyNames(moment.prototype)
    .filter(function (n) { return n !== 'constructor' && typeof moment.prototype[n] === 'function'; });
  var inner = new WeakMap();
  function unwrap(value) { return (value !== null && typeof value === 'object' && inner.has(value)) ? inner.get(value) : value; }
  function wrap(m) {
    var w = {};
    names.forEach(function (name) {
      w[name] = function () {
        var result = m[name].apply(m, Array.prototype.map.call(arguments, unwrap));
        return moment.isMoment(result) ? wrap(result) : (moment.isDuration(result) ? result.toISOString() : result);
      };
    });
    w.toJSON = function () { return m.isValid() ? m.toISOString() : null; };
    inner.set(w, m);
    return w;
  }
  return function () { return wrap(moment.apply(null, Array.prototype.map.call(arguments, unwrap))); };
})(moment);
