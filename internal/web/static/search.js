// The search page on a phone or in 关怀版 (one column): the filters other
// than the words fold away so that the results come first; 筛选条件 opens
// them (the chips above the results show the filters chosen). Without
// script they stay open.
(function () {
  "use strict";
  var d = document.querySelector("details[data-collapse-narrow]");
  if (!d) { return; }
  var narrow = window.matchMedia && window.matchMedia("(max-width: 900px)").matches;
  if (narrow || document.documentElement.classList.contains("care")) { d.open = false; }
})();
