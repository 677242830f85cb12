// Poll the state of protocol PDF renders ([data-pdf-status] = status URL) until each is ready or failed.
const POLL_MS = 2000;

function show(box, state, data) {
  box.dataset.state = state;
  box.querySelector(".pdf-status-label").textContent = data.label;
  const bar = box.querySelector("progress");
  if (bar) {
    bar.value = data.progress;
    bar.textContent = `${data.progress} %`;
    bar.hidden = state === "ready" || state === "failed";
  }
  const error = box.querySelector(".pdf-error");
  if (error) {
    error.textContent = data.error || "";
    error.hidden = !data.error;
  }
  for (const part of box.querySelectorAll("[data-when]")) part.hidden = part.dataset.when !== state;
}

async function poll(box) {
  try {
    const response = await fetch(box.dataset.pdfStatus, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const data = await response.json();
      show(box, data.state, data);
      if (data.state === "ready" || data.state === "failed") return;
    }
  } catch {
    // offline for a moment: try again at the next tick
  }
  setTimeout(() => poll(box), POLL_MS);
}

for (const box of document.querySelectorAll("[data-pdf-status]")) {
  if (box.dataset.state === "queued" || box.dataset.state === "rendering") setTimeout(() => poll(box), POLL_MS);
}
