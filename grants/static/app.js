// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so keyboard and screen-reader users start at the problems.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Budget totals while typing. The server recomputes them on save; these are only a help.
  const outputs = document.querySelectorAll("output[data-total]");
  if (!outputs.length) return;
  const kronor = (text) => {
    const cleaned = (text || "").replace(/\s|kr/gi, "");
    return /^\d+$/.test(cleaned) ? parseInt(cleaned, 10) : 0;
  };
  const format = (n) => n.toLocaleString("sv-SE") + "\u00a0kr";
  const update = () => {
    const sums = {};
    document.querySelectorAll("input[data-sum]").forEach((input) => {
      sums[input.dataset.sum] = (sums[input.dataset.sum] || 0) + kronor(input.value);
    });
    outputs.forEach((output) => {
      const total = output.dataset.total.split(" ").reduce((acc, key) => acc + (sums[key] || 0), 0);
      output.textContent = format(total);
    });
  };
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("input[data-sum]")) update();
  });
  update();  // a form shown again with errors holds typed amounts the stored totals lack
});
