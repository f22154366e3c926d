// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so keyboard and screen-reader users start at the problems.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
