// The websocket: subscribe to the page's topics, resume after a drop from the last event seen, show the state.
export class LiveConnection extends EventTarget {
  constructor(topics, statusElement, messages) {
    super();
    this.topics = topics;
    this.status = statusElement;
    this.messages = messages;
    this.lastEventId = null;
    this.seen = new Set();
    this.delay = 500;
    this.wasLost = false;
    this.connect();
    window.addEventListener("online", () => this.retryNow());
  }

  url() {
    const url = new URL("/api/v1/ws", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.topics.length) url.searchParams.set("topics", this.topics.join(","));
    if (this.lastEventId) url.searchParams.set("last_event_id", this.lastEventId);
    return url;
  }

  connect() {
    clearTimeout(this.timer);
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(JSON.parse(message.data)));
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  receive(message) {
    switch (message.type) {
      case "hello":
        if (!this.lastEventId) this.lastEventId = message.last_event_id;
        this.delay = 500;
        if (this.wasLost) this.show(this.messages.back, false);
        this.wasLost = false;
        document.body.dataset.live = "open";
        this.dispatchEvent(new CustomEvent("open"));
        break;
      case "event":
        this.lastEventId = message.id;
        if (this.seen.has(message.id)) return; // a replay that overlaps what arrived live
        this.seen.add(message.id);
        if (this.seen.size > 1000) this.seen = new Set([...this.seen].slice(-500));
        this.dispatchEvent(new CustomEvent("event", { detail: message }));
        break;
      case "resync":
        // The gap was older than the server keeps: what is on the page may be stale, so fetch it anew.
        window.location.reload();
        break;
      default:
        break;
    }
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    if (event.code === 4401) {
      window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    this.wasLost = true;
    document.body.dataset.live = "lost";
    this.show(this.messages.lost, true);
    if (event.code === 4429) this.delay = Math.max(this.delay, 30000); // too many connections: wait it out
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 10000);
  }

  retryNow() {
    if (this.socket.readyState === WebSocket.CLOSED) {
      this.delay = 500;
      this.connect();
    }
  }

  show(text, lost) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.hidden = false;
    this.status.classList.toggle("lost", lost);
    clearTimeout(this.hideTimer);
    if (!lost) this.hideTimer = setTimeout(() => { this.status.hidden = true; }, 3000);
  }
}
