// The web chat snippet for the office's own site:
//   <script src="https://switchboard.example/chat/embed.js" async></script>
// adds a "Chat with us" button that opens the chat (/chat from the same server) in an iframe.
// Nothing else is loaded and no page data is read.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__switchboardChat) return;
  window.__switchboardChat = true;
  var origin = new URL(script.src, location.href).origin;
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = script.getAttribute("data-label") || "Chat with us";
  button.setAttribute("aria-expanded", "false");
  Object.assign(button.style, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483646", padding: "12px 18px",
    border: "none", borderRadius: "24px", background: "#2151d1", color: "#fff", font: "600 15px system-ui, sans-serif",
    boxShadow: "0 4px 14px rgba(0,0,0,.2)", cursor: "pointer",
  });
  var frame = null;
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = origin + "/chat?embed=1";
      frame.title = "Chat";
      Object.assign(frame.style, {
        position: "fixed", right: "20px", bottom: "76px", width: "360px", height: "520px", maxHeight: "calc(100vh - 100px)",
        maxWidth: "calc(100vw - 40px)", border: "1px solid #dde2ea", borderRadius: "12px", background: "#fff",
        boxShadow: "0 8px 28px rgba(0,0,0,.18)", zIndex: "2147483647",
      });
      document.body.appendChild(frame);
    } else {
      frame.style.display = frame.style.display === "none" ? "block" : "none";
    }
    button.setAttribute("aria-expanded", frame.style.display === "none" ? "false" : "true");
  });
  (document.body || document.documentElement).appendChild(button);
})();
