// The invitations page's print button (an inline onclick would be refused by the content security policy).
document.addEventListener("click", (e) => {
  if (e.target instanceof Element && e.target.closest("[data-print]")) { window.print(); }
});
