/*
 * The stand-in WhatsApp Web, page side: just the surface whatsapp-web.js 1.34.7 reads
 * (see README.md beside this file for the list and the source lines it comes from).
 * Served as /standin.js by server.ts; settings and the phone's data come from
 * /__standin/settings (never from index.html, which the library may cache and replay),
 * commands ("scan", "phone logout", an incoming message) from polling /__standin/poll.
 * Plain browser JavaScript: it runs inside the slice's Chromium, not in Node.
 */
/* global window, document, indexedDB, localStorage, location, crypto, btoa */
(() => {
  'use strict';

  /*
   * The link, written the way WhatsApp Web writes it — in the page's own storage, which
   * LocalAuth keeps as Chromium's profile on the account's volume; no file of ours:
   *  - localStorage: `last-wid-md` (the linked account) and `WAWebEncKeySalt` (the salt of
   *    the key that seals what IndexedDB holds);
   *  - IndexedDB `wawc`, store `user`: the session, sealed (AES-GCM) with that key.
   * A restore needs both. An IndexedDB transaction is on disk once it completes; Chromium
   * commits localStorage lazily (seconds after the write) and on a clean exit, so a browser
   * killed right after linking loses the salt and with it the link — as with WhatsApp Web.
   */
  const LINK_DB = 'wawc';
  const LINK_STORE = 'user';
  const WID_KEY = 'last-wid-md';
  const SALT_KEY = 'WAWebEncKeySalt';
  function linkStore(mode, act) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(LINK_DB, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(LINK_STORE);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(LINK_STORE, mode);
        const request = act(tx.objectStore(LINK_STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        tx.onerror = () => reject(tx.error);
      };
    });
  }
  const sealKey = (salt) => crypto.subtle.importKey('raw', decodeB64(salt), 'AES-GCM', false, ['encrypt', 'decrypt']);
  async function writeLink(id, wid) {
    const salt = encodeB64(randomBytes(32));
    const iv = randomBytes(12);
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await sealKey(salt), new TextEncoder().encode(id));
    await linkStore('readwrite', (store) => store.put({ iv: encodeB64(iv), sealed: encodeB64(sealed) }, 'session'));
    localStorage.setItem(SALT_KEY, salt);
    localStorage.setItem(WID_KEY, JSON.stringify(wid));
  }
  /** The session id, or null; `found` says which halves were there (reported at boot). */
  async function readLink() {
    const record = await linkStore('readonly', (store) => store.get('session'));
    const salt = localStorage.getItem(SALT_KEY);
    const wid = localStorage.getItem(WID_KEY);
    const found = { indexedDb: Boolean(record), localStorage: Boolean(salt && wid) };
    if (!record || !salt || !wid) return { id: null, found };
    try {
      const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: decodeB64(record.iv) }, await sealKey(salt), decodeB64(record.sealed));
      return { id: new TextDecoder().decode(opened), found };
    } catch {
      return { id: null, found: { ...found, unsealed: false } };
    }
  }
  async function clearLink() {
    localStorage.removeItem(SALT_KEY);
    localStorage.removeItem(WID_KEY);
    await linkStore('readwrite', (store) => store.delete('session'));
  }
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

  /** The media fields WhatsApp Web's msg model serialises (whatsapp-web.js reads them in Message.js `_patch`). */
  const MEDIA_FIELDS = ['mimetype', 'size', 'duration', 'filename', 'caption', 'directPath', 'mediaKey', 'mediaKeyTimestamp', 'filehash', 'encFilehash'];

  class Msg extends Model {
    serialize() {
      const media = {};
      for (const field of MEDIA_FIELDS) if (this[field] !== undefined) media[field] = this[field];
      return {
        ...media,
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
    await clearLink();
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
  const decodeB64 = (text) => Uint8Array.from(window.atob(text), (c) => c.charCodeAt(0));
  const keys = { noise: randomBytes(32), identity: randomBytes(32), advSecret: encodeB64(randomBytes(32)) };

  const modules = {
    WAWebSocketModel: { Socket },
    WAWebConnModel: { Conn },
    WAWebCmd: { Cmd },
    WAWebOfflineHandler: { OfflineMessageHandler },
    WABase64: { encodeB64, decodeB64 },
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

  /*
   * Media (Message.js downloadMedia, 1.34.7): the library finds the msg in `Msg`, reads
   * `mediaData.mediaStage` (RESOLVED: no fetch needed first), then asks
   * `WAWebDownloadManager.downloadManager.downloadAndMaybeDecrypt({ directPath, … })` for
   * the file as an ArrayBuffer, which its own `WWebJS.arrayBufferToBase64Async` encodes.
   * The stand-in fetches the bytes from its server at the message's directPath.
   */
  modules.WAWebDownloadManager = {
    downloadManager: {
      downloadAndMaybeDecrypt: async ({ directPath, type }) => {
        const answer = await fetch(`/__standin${directPath}`, { cache: 'no-store' });
        if (!answer.ok) throw Object.assign(new Error(`media ${directPath}: HTTP ${answer.status}`), { status: answer.status });
        const bytes = await answer.arrayBuffer();
        report('media_downloaded', { directPath, type, bytes: bytes.byteLength });
        return bytes;
      },
    },
  };

  /** A message's media as WhatsApp Web's msg model holds it (`_data` to the library). */
  function mediaFields(media, t) {
    if (!media) return {};
    return {
      type: media.type,
      mimetype: media.mimetype,
      size: media.size,
      ...(media.duration !== undefined ? { duration: String(media.duration) } : {}),
      ...(media.filename ? { filename: media.filename } : {}),
      ...(media.caption !== undefined ? { caption: media.caption } : {}),
      // An image's or video's body is WhatsApp's JPEG thumbnail (base64); the library takes the caption instead.
      body: media.thumbnail ?? '',
      directPath: `/media/${media.id}`,
      mediaKey: encodeB64(randomBytes(32)),
      mediaKeyTimestamp: t,
      filehash: encodeB64(randomBytes(32)),
      encFilehash: encodeB64(randomBytes(32)),
      mediaData: { mediaStage: 'RESOLVED' },
    };
  }

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

  /**
   * The phone's (or the restored session's) sync: contacts, chats, then `hasSynced`.
   * `together`: already done when the socket says CONNECTED — CONNECTED and `hasSynced`
   * in one task, before whatsapp-web.js 1.34.7 listens for `change:hasSynced`.
   */
  async function sync(stepMs, restored, together = false) {
    me = new Wid(settings.phone.me);
    meLid = new Wid(settings.phone.meLid);
    if (!restored) Socket.set('state', 'OPENING');
    if (!together) Socket.set('state', 'CONNECTED');
    const size = settings.phone.size;
    const total = size ? size.contacts : settings.phone.contacts.length;
    const contactAt = (i) => (size ? { id: sizedContactId(i), name: sizedName(i) } : settings.phone.contacts[i]);
    const steps = Math.max(1, Math.min(5, total));
    for (let step = 1; step <= steps; step++) {
      for (let i = Math.floor(((step - 1) * total) / steps); i < Math.floor((step * total) / steps); i++) {
        const contact = contactAt(i);
        Collections.Contact.add(new Contact({ id: new Wid(contact.id), name: contact.name, pushname: contact.name, shortName: contact.name.split(' ')[0] }));
      }
      offlineProgress = Math.round((step * 100) / steps);
      Cmd.trigger('offline_progress_update_from_bridge');
      if (stepMs > 0) await sleep(stepMs);
    }
    if (size) addSizedChats(size);
    for (const chat of settings.phone.chats) {
      const model = Collections.Chat.add(new Chat({ id: new Wid(chat.id), name: chat.name }));
      for (const [index, message] of chat.messages.entries()) {
        addMessage(model, {
          id: new MsgKey({ fromMe: message.fromMe, remote: chat.id, id: `STANDIN${chat.id.split('@')[0]}${index}` }),
          body: message.body,
          t: message.t,
          ...mediaFields(message.media, message.t),
          from: message.fromMe ? me : new Wid(chat.id),
          to: message.fromMe ? new Wid(chat.id) : me,
          self: message.fromMe ? 'out' : 'in',
          ack: message.fromMe ? 3 : 0,
          isNewMsg: false,
        });
      }
    }
    if (together) Socket.set('state', 'CONNECTED');
    Socket.set('hasSynced', true);
    report('synced', { restored, together, contacts: Collections.Contact.length });
  }

  // ---- a big account (settings.phone.size), generated here instead of shipped as JSON ----
  const sizedContactId = (i) => `1556${String(i).padStart(7, '0')}@c.us`;
  const sizedName = (i) => `${settings.phone.size.names[i % settings.phone.size.names.length]} ${i + 1}`;
  function sizedBody(i, chars) {
    let text = `Order ${i + 1}: `;
    while (text.length < chars) text += 'your parcel is packed and leaves the shop today, thank you for waiting. ';
    return text.slice(0, chars);
  }

  /** Chat i: contact i's, i+1 minutes old, an older incoming message and a last one of `lastMessageChars`. */
  function addSizedChats(size) {
    for (let i = 0; i < size.chats; i++) {
      const id = sizedContactId(i);
      const wid = new Wid(id);
      const model = Collections.Chat.add(new Chat({ id: wid, name: sizedName(i), unreadCount: i % 4 === 1 ? i % 7 : 0 }));
      const t = size.now - 60 * (i + 1);
      const lastFromMe = i % 4 !== 1;
      addMessage(model, { id: new MsgKey({ fromMe: false, remote: id, id: `SIZED${i}A` }), body: `Hello, is order ${i + 1} ready?`, t: t - 30, from: wid, to: me, self: 'in', ack: 0, isNewMsg: false });
      addMessage(model, {
        id: new MsgKey({ fromMe: lastFromMe, remote: id, id: `SIZED${i}B` }),
        body: sizedBody(i, size.lastMessageChars),
        t,
        from: lastFromMe ? me : wid,
        to: lastFromMe ? wid : me,
        self: lastFromMe ? 'out' : 'in',
        ack: lastFromMe ? 3 : 0,
        isNewMsg: false,
      });
    }
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
    await writeLink(session, settings.phone.me);
    report('scanned', { index: refCount, session });
    await sync(settings.syncMs / 5, false);
  }

  async function onPhoneLogout() {
    // What WhatsApp Web does when the phone removes the device: the bridge says so, the page reloads.
    await clearLink();
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
    const link = await readLink();
    const saved = link.id;
    const answer = await fetch(`/__standin/settings${saved ? `?session=${encodeURIComponent(saved)}` : ''}`, { cache: 'no-store' });
    settings = await answer.json();
    if (settings.linked) session = saved;
    // What the library polls for before anything else (Client.js inject).
    window.Debug = { VERSION: settings.version };
    report('boot', { restored: settings.linked, hadSession: Boolean(saved), link: link.found, postLogout: location.search.includes('post_logout') });
    void poll();
    await sleep(settings.bootMs);
    if (settings.linked && settings.restoreSync === 'with_connected') {
      // WhatsApp has this session synced by the time the socket is CONNECTED (a fresh session,
      // a good connection): 1.34.7 reads the state, and listens for the sync only afterwards.
      await sync(0, true, true);
      return;
    }
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
    if (link.found.indexedDb || link.found.localStorage) await clearLink();
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
