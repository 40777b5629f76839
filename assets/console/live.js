// A small graphql-transport-ws client (the protocol of /graphql/ws) for live member events.
//
//   connection_init {Authorization: "Bearer <token>"} -> connection_ack
//   subscribe {id, payload: {query, variables}} -> next* -> complete | error
//   ping -> pong
//
// It reconnects with back-off (fetching a fresh access token each time) while a subscription
// is active, and tells the caller after a reconnect so it can reload what it may have missed.

import { ApiError } from './api.js';

const PROTOCOL = 'graphql-transport-ws';
const MAX_BACKOFF_MS = 30_000;

export class LiveClient {
  /**
   * @param {() => Promise<string>} getToken  a valid access token
   * @param {(state: 'connecting'|'live'|'offline') => void} onState
   */
  constructor(getToken, onState = () => {}) {
    this.getToken = getToken;
    this.onState = onState;
    this.socket = null;
    this.subscription = null; // { id, query, variables, handlers }
    this.nextId = 1;
    this.attempt = 0;
    this.timer = null;
    this.connectedOnce = false;
  }

  /**
   * Subscribes (replacing any previous subscription).
   * handlers: { next(data), error(apiLikeError), complete(), reconnected() }
   */
  subscribe(query, variables, handlers) {
    this.stop();
    this.subscription = { id: String(this.nextId++), query, variables, handlers };
    this.connectedOnce = false;
    this.attempt = 0;
    this.connect();
    return () => this.stop();
  }

  /** Ends the subscription and closes the socket. */
  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    this.subscription = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      try { socket.close(1000, 'done'); } catch { /* already closed */ }
    }
  }

  async connect() {
    const sub = this.subscription;
    if (!sub) return;
    this.onState('connecting');
    let token;
    try {
      token = await this.getToken();
    } catch (e) {
      if (this.subscription === sub) {
        if (e && e.code === 'UNAUTHENTICATED') this.fail(sub, e);
        else this.retry(sub);
      }
      return;
    }
    if (this.subscription !== sub) return;
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql/ws`;
    let socket;
    try {
      socket = new WebSocket(url, PROTOCOL);
    } catch {
      this.retry(sub);
      return;
    }
    this.socket = socket;
    const send = (msg) => socket.send(JSON.stringify(msg));
    socket.onopen = () => send({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } });
    socket.onmessage = (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch { return; }
      switch (msg.type) {
        case 'connection_ack':
          this.attempt = 0;
          send({ id: sub.id, type: 'subscribe', payload: { query: sub.query, variables: sub.variables } });
          this.onState('live');
          if (this.connectedOnce && sub.handlers.reconnected) sub.handlers.reconnected();
          this.connectedOnce = true;
          break;
        case 'ping':
          send({ type: 'pong' });
          break;
        case 'next':
          if (msg.id !== sub.id) break;
          if (msg.payload && Array.isArray(msg.payload.errors) && msg.payload.errors.length) {
            this.fail(sub, toError(msg.payload.errors));
          } else if (msg.payload && msg.payload.data) {
            sub.handlers.next(msg.payload.data);
          }
          break;
        case 'error':
          if (msg.id === sub.id) this.fail(sub, toError(msg.payload));
          break;
        case 'complete':
          if (msg.id === sub.id) {
            this.stop();
            this.onState('offline');
            if (sub.handlers.complete) sub.handlers.complete();
          }
          break;
        default:
          break;
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // A network drop, a server restart, or connection_init refused (4403: the token was
      // rejected; the next attempt fetches a fresh one). Events may have been missed meanwhile:
      // `reconnected` tells the page to reload once the next connection is acknowledged.
      this.retry(sub);
    };
    socket.onerror = () => { /* onclose follows */ };
  }

  retry(sub) {
    if (this.subscription !== sub) return;
    this.onState('offline');
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  fail(sub, error) {
    if (this.subscription !== sub) return;
    this.stop();
    this.onState('offline');
    if (sub.handlers.error) sub.handlers.error(error);
  }
}

function toError(errors) {
  const first = (Array.isArray(errors) ? errors[0] : errors) || {};
  const ext = first.extensions || {};
  return new ApiError(ext.code || 'INTERNAL', typeof first.message === 'string' ? first.message : '', ext);
}
