// The delegate picker's search: narrows the list of names as the delegate types, ignoring accents
// and case ("nguyen van an" finds "Nguyễn Văn An"), and picks the name when only one is left.
(function () {
  "use strict";
  const search = document.getElementById("delegate-search");
  const picker = document.getElementById("delegate-picker");
  if (!search || !picker) { return; }
  const fold = s => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const options = [...picker.options].filter(o => o.value !== "").map(o => ({ option: o, key: fold(o.textContent) }));
  search.addEventListener("input", () => {
    const words = fold(search.value).split(/\s+/).filter(w => w.length > 0);
    let shown = [];
    for (const entry of options) {
      const match = words.every(w => entry.key.includes(w));
      entry.option.hidden = !match;
      entry.option.disabled = !match;
      if (match) { shown.push(entry.option); }
    }
    if (shown.length === 1) { picker.value = shown[0].value; }
    else if (picker.selectedOptions.length > 0 && picker.selectedOptions[0].disabled) { picker.value = ""; }
    picker.size = words.length > 0 ? Math.min(Math.max(shown.length, 2), 8) : 0;
  });
})();
