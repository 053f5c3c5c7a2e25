/*
 * The stand-in WhatsApp Web, page side: just the surface whatsapp-web.js 1.34.7 reads
 * (see README.md beside this file for the list and the source lines it comes from).
 * Served as /standin.js by server.ts; settings and the phone's data come from
 * /__standin/settings (never from index.html, which the library may cache and replay),
 * commands ("scan", "phone logout", an incoming message) from polling /__standin/poll.
 * Plain browser JavaScript: it runs inside the slice's Chromium, not in Node.
 */
/* global window, document, indexedDB, location, crypto, btoa */
(() => {
  'use strict';

  /*
   * The linked session lives in IndexedDB, as WhatsApp Web's keys do: a transaction is on
   * disk once it completes, so it survives a slice killed without a clean browser exit
   * (localStorage is flushed lazily and would not).
   */
  function sessionStore(mode, act) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('standin', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('session');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction('session', mode);
        const request = act(tx.objectStore('session'));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        tx.onerror = () => reject(tx.error);
      };
    });
  }
  /*
   * Or, with the stand-in's `linkStore: 'localStorage'`, in localStorage, as WhatsApp Web keeps
   * part of its link: Chromium commits it lazily, so only a graceful browser close (or time)
   * puts it on disk. A page restores from either.
   */
  const LOCAL_KEY = 'standin-session';
  const readSession = async () => (await sessionStore('readonly', (store) => store.get('id'))) ?? window.localStorage.getItem(LOCAL_KEY);
  const writeSession = (id) =>
    settings?.linkStore === 'localStorage' ? Promise.resolve(window.localStorage.setItem(LOCAL_KEY, id)) : sessionStore('readwrite', (store) => store.put(id, 'id'));
  const clearSession = () => {
    window.localStorage.removeItem(LOCAL_KEY);
    return sessionStore('readwrite', (store) => store.delete('id'));
  };
  const unknownModules = new Set();

  function report(type, data) {
    // keepalive: a report sent just before a reload still arrives.
    fetch('/__standin/report', { method: 'POST', keepalive: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type, data: data ?? null }) }).catch(() => undefined);
  }

  // ---- Backbone-like events and models (what WhatsApp Web's own are) ----
  class Emitter {
    constructor() {
      this._handlers = new Map();
    }
    on(names, fn) {
      for (const name of String(names).split(/\s+/).filter(Boolean)) {
        if (!this._handlers.has(name)) this._handlers.set(name, []);
        this._handlers.get(name).push(fn);
        this._listenerAdded?.(name);
      }
      return this;
    }
    off(names, fn) {
      for (const name of String(names).split(/\s+/).filter(Boolean)) {
        const list = this._handlers.get(name);
        if (list) this._handlers.set(name, fn ? list.filter((h) => h !== fn) : []);
      }
      return this;
    }
    once(name, fn) {
      const wrapper = (...args) => {
        this.off(name, wrapper);
        fn(...args);
      };
      return this.on(name, wrapper);
    }
    trigger(name, ...args) {
      for (const fn of [...(this._handlers.get(name) ?? [])]) {
        try {
          const result = fn(...args);
          if (result && typeof result.catch === 'function') result.catch((error) => report('page_error', String(error?.stack ?? error)));
        } catch (error) {
          report('page_error', String(error?.stack ?? error));
        }
      }
    }
    listenerCount(name) {
      return (this._handlers.get(name) ?? []).length;
    }
  }

  class Model extends Emitter {
    constructor(fields) {
      super();
      this._collections = [];
      Object.assign(this, fields);
    }
    /** What WhatsApp Web's models give JSON.stringify (the library passes some to its bindings). */
    toJSON() {
      return typeof this.serialize === 'function' ? this.serialize() : { id: this.id };
    }
    set(key, value) {
      const previous = this[key];
      this[key] = value;
      if (previous === value) return;
      for (const target of [this, ...this._collections]) {
        target.trigger(`change:${key}`, this, value, previous);
        target.trigger('change', this);
      }
    }
  }

  class Collection extends Emitter {
    constructor() {
      super();
      this._models = [];
      this._byId = new Map();
    }
    static keyOf(idLike) {
      return typeof idLike === 'string' ? idLike : idLike?._serialized;
    }
    add(model) {
      const key = Collection.keyOf(model.id);
      if (this._byId.has(key)) return this._byId.get(key);
      this._models.push(model);
      this._byId.set(key, model);
      model._collections.push(this);
      this.trigger('add', model);
      return model;
    }
    get(idLike) {
      return this._byId.get(Collection.keyOf(idLike));
    }
    async find(idLike) {
      return this.get(idLike);
    }
    getModelsArray() {
      return [...this._models];
    }
    get length() {
      return this._models.length;
    }
    toArray() {
      return this.getModelsArray();
    }
  }

  // ---- ids ----
  class Wid {
    constructor(serialized) {
      const text = String(serialized);
      const at = text.indexOf('@');
      this.server = at >= 0 ? text.slice(at + 1) : 'c.us';
      this.user = at >= 0 ? text.slice(0, at) : text;
      this._serialized = `${this.user}@${this.server}`;
    }
    isLid() {
      return this.server === 'lid';
    }
    isGroup() {
      return this.server === 'g.us';
    }
    isUser() {
      return this.server === 'c.us' || this.server === 'lid';
    }
    isStatus() {
      return this.user === 'status' && this.server === 'broadcast';
    }
    isBroadcast() {
      return this.server === 'broadcast';
    }
    isNewsletter() {
      return this.server === 'newsletter';
    }
    toJid() {
      return this._serialized.replace('@c.us', '@s.whatsapp.net');
    }
    toString() {
      return this._serialized;
    }
    equals(other) {
      return Collection.keyOf(other) === this._serialized;
    }
  }
  const toWid = (idLike) => (idLike instanceof Wid ? idLike : new Wid(Collection.keyOf(idLike) ?? idLike));

  class MsgKey {
    constructor({ from, to, id, participant, selfDir, fromMe, remote }) {
      this.fromMe = fromMe ?? selfDir === 'out';
      this.remote = toWid(remote ?? (this.fromMe ? to : from));
      this.id = id;
      if (participant) this.participant = toWid(participant);
      this._serialized = `${this.fromMe}_${this.remote._serialized}_${this.id}`;
    }
    static async newId() {
      const bytes = crypto.getRandomValues(new Uint8Array(10));
      return `3EB0${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase()}`;
    }
    toString() {
      return this._serialized;
    }
  }

  class Msg extends Model {
    serialize() {
      return {
        id: { fromMe: this.id.fromMe, remote: this.id.remote, id: this.id.id, _serialized: this.id._serialized },
        body: this.body,
        type: this.type,
        t: this.t,
        from: this.from,
        to: this.to,
        author: this.author,
        ack: this.ack,
        isNewMsg: this.isNewMsg,
        self: this.self,
        star: false,
        broadcast: false,
        isForwarded: false,
        mentionedJidList: [],
        groupMentions: [],
      };
    }
  }

  class Chat extends Model {
    constructor(fields) {
      super({ unreadCount: 0, archive: false, pin: 0, isReadOnly: false, mute: { expiration: 0 }, t: 0, ...fields });
      this.msgs = new Collection();
    }
    get formattedTitle() {
      return this.name;
    }
    serialize() {
      return {
        id: this.id,
        name: this.name,
        formattedTitle: this.name,
        t: this.t,
        unreadCount: this.unreadCount,
        archive: this.archive,
        pin: this.pin,
        isReadOnly: this.isReadOnly,
        muteExpiration: 0,
        msgs: this.msgs.getModelsArray().map((m) => m.id._serialized),
      };
    }
  }

  class Contact extends Model {
    serialize() {
      return { id: this.id, name: this.name, pushname: this.pushname, shortName: this.shortName, type: 'in', isContactBlocked: false };
    }
  }

  // ---- the state WhatsApp Web keeps ----
  const Socket = new Model({ state: 'OPENING', hasSynced: false });
  let session = null;
  Socket.logout = async () => {
    // The library's client.logout(): the device is unlinked on the phone and the session dropped.
    report('logout', { by: 'client', session });
    await clearSession();
  };
  Socket.takeover = () => undefined;
  const Conn = new Model({ ref: null, platform: 'android', pushname: 'Stand-in phone', battery: 100, plugged: true });
  Conn.serialize = () => ({ ref: Conn.ref, platform: Conn.platform, pushname: Conn.pushname, battery: Conn.battery, plugged: Conn.plugged });
  Conn.canSetMyPushname = () => false;
  const Cmd = new Emitter();
  Cmd.refreshQR = () => rotateRef();
  let offlineProgress = 0;
  const OfflineMessageHandler = { getOfflineDeliveryProgress: () => offlineProgress };

  const Collections = {
    Msg: new Collection(),
    Chat: new Collection(),
    Contact: new Collection(),
    Blocklist: new Collection(),
    BusinessProfile: new Collection(),
    GroupMetadata: new Collection(),
    Label: new Collection(),
  };
  Collections.Msg.modelClass = Msg;
  Collections.Msg.getMessagesById = async (ids) => ({ messages: ids.map((id) => Collections.Msg.get(id)).filter(Boolean) });
  Collections.Contact.find = async (idLike) => Collections.Contact.get(idLike) ?? new Contact({ id: toWid(idLike), name: undefined, pushname: undefined });

  let me = null;
  let meLid = null;
  let settings = null;

  // Keys the library puts into the QR text (shapes as WhatsApp Web's; the values are random).
  const randomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));
  const encodeB64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const keys = { noise: randomBytes(32), identity: randomBytes(32), advSecret: encodeB64(randomBytes(32)) };

  const modules = {
    WAWebSocketModel: { Socket },
    WAWebConnModel: { Conn },
    WAWebCmd: { Cmd },
    WAWebOfflineHandler: { OfflineMessageHandler },
    WABase64: { encodeB64, decodeB64: (text) => Uint8Array.from(window.atob(text), (c) => c.charCodeAt(0)) },
    WAWebCompanionRegClientUtils: {
      DEVICE_PLATFORM: 'Chrome',
      waNoiseInfo: { get: async () => ({ staticKeyPair: { pubKey: keys.noise, privKey: randomBytes(32) } }) },
    },
    WAWebAdvSignatureApi: {},
    WAWebUserPrefsInfoStore: {},
    WAWebSignalStoreApi: { waSignalStore: { getRegistrationInfo: async () => ({ registrationId: 4242, identityKeyPair: { pubKey: keys.identity, privKey: randomBytes(32) } }) } },
    WAWebUserPrefsMultiDevice: { getADVSecretKey: () => keys.advSecret },
    WAWebUserPrefsMeUser: { getMaybeMePnUser: () => me, getMaybeMeLidUser: () => meLid, getMeUser: () => me },
    WAWebCollections: Collections,
    WAWebContactCollection: { ContactCollection: Collections.Contact },
    WAWebChatCollection: { ChatCollection: Collections.Chat },
    // The library looks for the Map inside to hook incoming calls (Client.js attachEventListeners).
    WAWebCallCollection: Object.assign(new Emitter(), { _calls: new Map() }),
    WAWebSyncGatingUtils: {},
    WAWebWidFactory: {
      createWid: (idLike) => toWid(idLike),
      createWidFromWidLike: (idLike) => toWid(idLike),
      asUserWidOrThrow: (idLike) => toWid(idLike),
      toUserWid: (idLike) => toWid(idLike),
    },
    WAWebMsgKey: MsgKey,
    WALinkify: { findLink: () => null, findLinks: () => [] },
    WAWebChatGetters: { getIsNewsletter: () => false, getIsBroadcast: () => false, getIsGroup: (chat) => chat.id.isGroup() },
    WAWebGetEphemeralFieldsMsgActionsUtils: { getEphemeralFields: () => ({}) },
    WAWebChatLoadMessages: { loadEarlierMsgs: async () => [] },
    WAWebApiContact: { getAlternateUserWid: () => null },
    WAWebContactGetters: {
      getIsMe: (c) => Boolean(me && c.id._serialized === me._serialized),
      getIsUser: (c) => c.id.isUser(),
      getIsGroup: (c) => c.id.isGroup(),
      getIsWAContact: () => true,
      getUserid: (c) => c.id.user,
      getVerifiedName: () => undefined,
      getVerifiedLevel: () => undefined,
      getStatusMute: () => false,
      getName: (c) => c.name,
      getShortName: (c) => c.shortName,
      getPushname: (c) => c.pushname,
      getIsEnterprise: () => false,
    },
    WAWebFrontendContactGetters: { getIsMyContact: () => true },
    WAWebLidMigrationUtils: { toPn: (wid) => wid },
    WAWebFindChatAction: {
      // A chat exists for the phone's contacts; a number the phone does not know gets none.
      findOrCreateLatestChat: async (wid) => {
        const existing = Collections.Chat.get(wid);
        if (existing) return { chat: existing };
        const contact = Collections.Contact.get(wid);
        if (!contact) return { chat: undefined };
        return { chat: Collections.Chat.add(new Chat({ id: toWid(wid), name: contact.name })) };
      },
    },
    WAWebSendMsgChatAction: {
      addAndSendMsgToChat: (chat, message) => {
        const msg = addMessage(chat, message);
        const result = new Promise((resolve) => {
          setTimeout(() => {
            msg.set('ack', 1);
            report('sent', { chatId: chat.id._serialized, id: msg.id._serialized, body: msg.body });
            resolve({ messageSendResult: 'OK' });
          }, 20);
        });
        return [Promise.resolve(msg), result];
      },
    },
  };

  /** Unknown modules answer anything with nothing: no `then` (not a promise), no symbols. */
  function forgiving(path) {
    return new Proxy(function () {}, {
      get(_target, prop) {
        if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return undefined;
        return forgiving(`${path}.${prop}`);
      },
      apply: () => undefined,
      construct: () => forgiving(`new ${path}`),
      set: () => true,
    });
  }

  window.require = (name) => {
    if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
    if (!unknownModules.has(name)) {
      unknownModules.add(name);
      report('unknown_module', name);
    }
    return forgiving(name);
  };

  function addMessage(chat, fields) {
    const msg = new Msg({ ack: 0, isNewMsg: true, type: 'chat', ...fields, id: fields.id instanceof MsgKey ? fields.id : new MsgKey(fields.id) });
    chat.msgs.add(msg);
    chat.set('t', msg.t);
    chat.lastReceivedKey = msg.id;
    Collections.Msg.add(msg);
    return msg;
  }

  // ---- codes ----
  let refCount = 0;
  let refTimer = null;
  const newRef = () => `2@${encodeB64(randomBytes(24))}`; // base64: never a comma, which splits the QR text

  function rotateRef() {
    if (Socket.state !== 'UNPAIRED') return;
    refCount++;
    Conn.set('ref', newRef());
    report('code', { index: refCount });
    scheduleRotation();
  }

  function scheduleRotation() {
    clearTimeout(refTimer);
    // After `codes` refs the last one stays (no idle state: the library cannot refresh from it).
    if (refCount >= settings.codes) return;
    refTimer = setTimeout(rotateRef, refCount <= 1 ? settings.firstCodeMs : settings.nextCodeMs);
  }

  // ---- linking and syncing ----
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function sync(stepMs, restored) {
    me = new Wid(settings.phone.me);
    meLid = new Wid(settings.phone.meLid);
    if (!restored) Socket.set('state', 'OPENING');
    Socket.set('state', 'CONNECTED');
    const contacts = settings.phone.contacts;
    const steps = Math.max(1, Math.min(5, contacts.length));
    for (let step = 1; step <= steps; step++) {
      for (const contact of contacts.slice(Math.floor(((step - 1) * contacts.length) / steps), Math.floor((step * contacts.length) / steps))) {
        Collections.Contact.add(new Contact({ id: new Wid(contact.id), name: contact.name, pushname: contact.name, shortName: contact.name.split(' ')[0] }));
      }
      offlineProgress = Math.round((step * 100) / steps);
      Cmd.trigger('offline_progress_update_from_bridge');
      await sleep(stepMs);
    }
    for (const chat of settings.phone.chats) {
      const model = Collections.Chat.add(new Chat({ id: new Wid(chat.id), name: chat.name }));
      for (const [index, message] of chat.messages.entries()) {
        addMessage(model, {
          id: new MsgKey({ fromMe: message.fromMe, remote: chat.id, id: `STANDIN${chat.id.split('@')[0]}${index}` }),
          body: message.body,
          t: message.t,
          from: message.fromMe ? me : new Wid(chat.id),
          to: message.fromMe ? new Wid(chat.id) : me,
          self: message.fromMe ? 'out' : 'in',
          ack: message.fromMe ? 3 : 0,
          isNewMsg: false,
        });
      }
    }
    Socket.set('hasSynced', true);
    report('synced', { restored, contacts: Collections.Contact.length });
  }

  async function onScan(command) {
    if (command.ref !== Conn.ref) return; // another page's code
    if (Socket.state !== 'UNPAIRED') {
      report('scan_ignored', { state: Socket.state });
      return;
    }
    session = command.session;
    // No ref change after the scan: the library would show one more (bogus) code.
    clearTimeout(refTimer);
    Socket.set('state', 'PAIRING');
    await writeSession(session);
    report('scanned', { index: refCount, session });
    await sync(settings.syncMs / 5, false);
  }

  async function onPhoneLogout() {
    // What WhatsApp Web does when the phone removes the device: the bridge says so, the page reloads.
    await clearSession();
    report('logged_out', { by: 'phone', session });
    Cmd.trigger('logout_from_bridge');
    setTimeout(() => location.replace('/?post_logout=1'), 300);
  }

  function onIncoming({ chatId, body }) {
    const chat = Collections.Chat.get(chatId);
    if (!chat || !me) return report('incoming_ignored', { chatId });
    addMessage(chat, {
      id: new MsgKey({ fromMe: false, remote: chatId, id: `STANDININ${Date.now()}` }),
      body,
      t: Math.floor(Date.now() / 1000),
      from: new Wid(chatId),
      to: me,
      self: 'in',
    });
    chat.set('unreadCount', chat.unreadCount + 1);
  }

  async function poll() {
    let seen = settings.seq;
    for (;;) {
      try {
        const answer = await fetch(`/__standin/poll?since=${seen}`, { cache: 'no-store' });
        const commands = await answer.json();
        for (const command of commands) {
          seen = Math.max(seen, command.seq);
          if (command.type === 'scan') await onScan(command);
          else if (command.session !== session || session === null) continue; // another device
          else if (command.type === 'phone_logout') await onPhoneLogout();
          else if (command.type === 'incoming') onIncoming(command);
        }
      } catch {
        // The server is going away or the page is navigating; try again shortly.
      }
      await sleep(settings?.pollMs ?? 100);
    }
  }

  async function boot() {
    const saved = await readSession();
    const answer = await fetch(`/__standin/settings${saved ? `?session=${encodeURIComponent(saved)}` : ''}`, { cache: 'no-store' });
    settings = await answer.json();
    if (settings.linked) session = saved;
    // What the library polls for before anything else (Client.js inject).
    window.Debug = { VERSION: settings.version };
    report('boot', { restored: settings.linked, hadSession: Boolean(saved), postLogout: location.search.includes('post_logout') });
    void poll();
    await sleep(settings.bootMs);
    if (settings.linked) {
      // A restored session syncs, but only once the library listens for it: it registers its
      // `change:hasSynced` listener after reading the state, and would miss an earlier sync.
      const started = Date.now();
      Socket._listenerAdded = (name) => {
        if (name !== 'change:hasSynced' || Socket.hasSynced) return;
        Socket._listenerAdded = null;
        report('restore_listener', { waitedMs: Date.now() - started });
        setTimeout(() => void sync(settings.syncMs / 5, true), 50);
      };
      Socket.set('state', 'CONNECTED');
      return;
    }
    if (saved) await clearSession();
    Conn.ref = newRef();
    refCount = 1;
    Socket.set('state', 'UNPAIRED');
    report('code', { index: refCount });
    // Code 1's lifetime starts when the library listens for the next one.
    Conn._listenerAdded = (name) => {
      if (name !== 'change:ref') return;
      Conn._listenerAdded = null;
      scheduleRotation();
    };
  }

  window.addEventListener('error', (event) => report('page_error', String(event.error?.stack ?? event.message)));
  document.title = 'WhatsApp';
  boot().catch((error) => report('page_error', String(error?.stack ?? error)));
})();
