/* briefgen: the search behind Material's search box (see generator/search.py).

   Material's bundle starts its search worker with `new Worker(config.search)`
   and talks to it in messages: {type: 0} setup with the index, {type: 1}
   ready, {type: 2, data: query}, {type: 3, data: {items}} results. This
   script, loaded before the bundle, stands in for that worker:

   - served over http(s): answers from Pagefind's index in pagefind/, which
     fetches only the few index chunks and result fragments a query needs
     (search/search_index.json is then a stub without documents; when it
     holds documents, as under `briefgen serve`, Material's worker answers);
   - opened from file:// (where a page may start no worker and fetch nothing):
     runs Material's own lunr worker in a hidden frame, over the trimmed index
     that search/search_index.js holds, and points results at index.html files.

   Nothing here loads from another host. */
(function () {
  "use strict";
  var RealWorker = window.Worker;
  var configElement = document.getElementById("__config");
  if (!RealWorker || !configElement) return;
  var config = JSON.parse(configElement.textContent);
  var root = new URL(config.base.replace(/\/?$/, "/"), location.href);  // the site's root, with a slash
  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
  var SHOWN = 10;        // results whose fragments are fetched and shown
  var DEBOUNCE = 150;    // ms of quiet typing before Pagefind is asked

  function isSearchWorker(url) {
    return /(^|\/)workers\/search\.[^\/]*\.js$/.test(String(url));
  }

  /* A worker-like object: Material uses addEventListener("message") and postMessage. */
  function Channel() { this.listeners = []; }
  Channel.prototype.addEventListener = function (type, fn) { if (type === "message") this.listeners.push(fn); };
  Channel.prototype.removeEventListener = function (type, fn) {
    this.listeners = this.listeners.filter(function (f) { return f !== fn; });
  };
  Channel.prototype.emit = function (data) {
    var event = { data: data };
    this.listeners.slice().forEach(function (fn) { fn(event); });
  };
  Channel.prototype.terminate = function () {};

  function escapeHTML(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Pagefind's excerpts are plain text with <mark> around matches: keep only those marks. */
  function safeExcerpt(excerpt) {
    return escapeHTML(excerpt || "").replace(/&lt;mark&gt;/g, "<mark>").replace(/&lt;\/mark&gt;/g, "</mark>");
  }

  /* ---- Arabic folding ------------------------------------------------- */

  /* What the reader types is folded as the build folds the indexed names and
     the offline index (generator/output/folding.py: hamza on alef, alef
     maqsura, taa marbuta, harakat, tatweel, the article). The table is a copy
     of that module's; tests/test_folding.py checks the copy, and that both
     fold every test word alike. */
  // folding: begin
  var ARABIC = {"ranges": [[1552, 1562], [1568, 1631], [1646, 1747], [1749, 1791], [1872, 1919], [2208, 2303], [64336, 65023], [65136, 65276]], "drop": "\u0640\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652", "map": {"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647", "\u06cc": "\u064a", "\u06a9": "\u0643"}, "articles": ["\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0643\u0627\u0644", "\u0641\u0627\u0644", "\u0644\u0644", "\u0627\u0644"], "stem": 2};
  function arabicWords() {
    return new RegExp("[" + ARABIC.ranges.map(function (r) {
      return "\\u" + ("000" + r[0].toString(16)).slice(-4) + "-\\u" + ("000" + r[1].toString(16)).slice(-4);
    }).join("") + "]+", "g");
  }
  var ARABIC_RUN = arabicWords(), ARABIC_WORD = arabicWords();
  function foldWord(word) {
    var out = "";
    for (var i = 0; i < word.length; i++) {
      var c = word.charAt(i);
      if (ARABIC.drop.indexOf(c) >= 0) continue;
      out += Object.prototype.hasOwnProperty.call(ARABIC.map, c) ? ARABIC.map[c] : c;
    }
    for (var a = 0; a < ARABIC.articles.length; a++) {
      var article = ARABIC.articles[a];
      if (out.indexOf(article) === 0 && out.length >= article.length + ARABIC.stem) return out.slice(article.length);
    }
    return out;
  }
  function foldText(text) {
    // NFKC may write a run as several words (a presentation-form ligature): each is folded
    return String(text).replace(ARABIC_RUN, function (run) { return run.normalize("NFKC").replace(ARABIC_WORD, foldWord); });
  }
  // folding: end

  /* A query message for lunr, its Arabic words folded: the offline index holds them folded too. */
  function folded(message) {
    if (!message || message.type !== QUERY || typeof message.data !== "string") return message;
    return { type: QUERY, data: foldText(message.data) };
  }

  /* The results of one query asked as typed and folded, each page once with its better score, best first. */
  function merged(answers) {
    var best = {}, order = [];
    answers.forEach(function (found) {
      ((found && found.results) || []).forEach(function (r) {
        if (!(r.id in best)) order.push(r.id);
        if (!(r.id in best) || r.score > best[r.id].score) best[r.id] = r;
      });
    });
    return order.map(function (id) { return best[id]; }).sort(function (a, b) { return b.score - a.score; });
  }

  /* ---- served: Pagefind ---------------------------------------------- */

  function PagefindSearch(url) {
    Channel.call(this);
    this.url = url;
    this.lunr = null;      // Material's own worker, when the site has no Pagefind index
    this.loading = null;
    this.latest = 0;
    this.timer = null;
    var self = this;
    // start loading the index when the reader opens the search box, not on every page view
    document.addEventListener("focusin", function (ev) {
      if (!self.lunr && ev.target && ev.target.classList && ev.target.classList.contains("md-search__input")) self.load();
    });
  }
  PagefindSearch.prototype = Object.create(Channel.prototype);

  PagefindSearch.prototype.load = function () {
    if (!this.loading) {
      this.loading = import(new URL("pagefind/pagefind.js", root).href).then(function (pagefind) {
        return pagefind.options({
          basePath: new URL("pagefind/", root).pathname,
          baseUrl: root.pathname,
          excerptLength: 24
        }).then(function () { return pagefind.init(); }).then(function () { return pagefind; });
      });
      this.loading.catch(function (err) { console.warn("briefgen: search index not available", err); });
    }
    return this.loading;
  };

  PagefindSearch.prototype.postMessage = function (message) {
    var self = this;
    if (this.lunr) {
      this.lunr.postMessage(folded(message));
    } else if (message.type === SETUP && message.data && message.data.docs && message.data.docs.length) {
      // a full lunr index (`briefgen serve`, which runs no Pagefind): Material's worker answers
      this.lunr = new RealWorker(this.url);
      this.lunr.addEventListener("message", function (ev) { self.emit(ev.data); });
      this.lunr.postMessage(message);
    } else if (message.type === SETUP) {
      setTimeout(function () { self.emit({ type: READY }); });
    } else if (message.type === QUERY) {
      var seq = ++this.latest;
      var query = String(message.data || "").trim();
      clearTimeout(this.timer);
      if (!query) {
        setTimeout(function () { if (seq === self.latest) self.emit({ type: RESULT, data: { items: [] } }); });
        return;
      }
      this.load();
      // a word just begun matches every indexed word it starts, whose index chunks can weigh
      // megabytes: leave a last word under three letters out, and wait for a second letter
      var words = query.split(/\s+/);
      if (words.length > 1 && words[words.length - 1].length < 3) words.pop();
      query = words.join(" ");
      if (query.length < 2) return;
      this.timer = setTimeout(function () { self.search(query, seq); }, DEBOUNCE);
    }
  };

  PagefindSearch.prototype.search = function (query, seq) {
    var self = this;
    // Pagefind indexes the pages as written, and the names of actors and sources folded too:
    // a query that folding changes is asked both ways, and a page found either way is found
    var fold = foldText(query);
    this.load().then(function (pagefind) {
      return Promise.all([pagefind.search(query), fold !== query ? pagefind.search(fold) : null]);
    }).then(function (answers) {
      if (seq !== self.latest) return;
      var results = merged(answers);
      if (fold !== query) query += " " + fold;
      var top = results.slice(0, SHOWN);
      return Promise.all(top.map(function (r) { return r.data(); })).then(function (pages) {
        if (seq !== self.latest) return;
        self.show(query, top, pages, results.length);
      });
    }).catch(function (err) {
      console.warn("briefgen: search failed", err);
      if (seq === self.latest) self.emit({ type: RESULT, data: { items: [] } });
    });
  };

  PagefindSearch.prototype.show = function (query, top, pages, total) {
    var terms = {};
    query.split(/\s+/).forEach(function (word) { if (word) terms[word] = true; });
    var items = pages.map(function (page, i) {
      var score = top[i].score || 0;
      var title = (page.meta && page.meta.title) || page.url;
      var item = [{ location: page.url, title: escapeHTML(title), text: safeExcerpt(page.excerpt), score: score, terms: terms }];
      (page.sub_results || []).filter(function (sub) {
        return sub.url.indexOf("#") >= 0 && sub.title && sub.title !== title;
      }).slice(0, 2).forEach(function (sub) {
        item.push({ location: sub.url, title: escapeHTML(sub.title), text: safeExcerpt(sub.excerpt), score: score, terms: terms });
      });
      return item;
    });
    this.emit({ type: RESULT, data: { items: items } });
    // Material counts the results it was given: say how many matched in all
    var meta = document.querySelector(".md-search-result__meta");
    if (meta && total > items.length) {
      var other = (config.translations && config.translations["search.result.other"]) || "# matching documents";
      meta.textContent = other.replace("#", items.length + " / " + total);
    }
  };

  /* ---- file://: Material's lunr worker in a frame ---------------------- */

  /* Directory addresses do not open index.html from the file system: name it. */
  function fileLocation(location) {
    var hash = location.indexOf("#");
    var path = hash < 0 ? location : location.slice(0, hash);
    var anchor = hash < 0 ? "" : location.slice(hash);
    if (path === "" || path.charAt(path.length - 1) === "/") path += "index.html";
    return path + anchor;
  }

  function FrameWorker(url) {
    Channel.call(this);
    var self = this;
    this.queue = [];
    this.frame = document.createElement("iframe");
    this.frame.hidden = true;
    this.frame.tabIndex = -1;
    this.frame.title = "search";
    this.frame.setAttribute("aria-hidden", "true");
    document.body.appendChild(this.frame);
    var scope = this.frame.contentWindow;
    this.scope = scope;
    scope.postMessage = function (data) {
      if (data && data.type === RESULT && data.data && data.data.items) {
        data.data.items.forEach(function (item) {
          item.forEach(function (doc) { doc.location = fileLocation(doc.location); });
        });
      }
      setTimeout(function () { self.emit(data); });
    };
    var script = scope.document.createElement("script");
    script.src = url;
    script.onload = function () {
      var queued = self.queue;
      self.queue = null;
      queued.forEach(function (message) { self.deliver(message); });
    };
    scope.document.head.appendChild(script);
  }
  FrameWorker.prototype = Object.create(Channel.prototype);
  FrameWorker.prototype.deliver = function (message) {
    var scope = this.scope;
    setTimeout(function () { scope.dispatchEvent(new scope.MessageEvent("message", { data: message })); });
  };
  FrameWorker.prototype.postMessage = function (message) {
    // the offline index holds every Arabic word folded too (generator/site/search.py): ask it folded
    message = folded(message);
    if (this.queue) this.queue.push(message);
    else this.deliver(message);
  };

  /* ---- the stand-in for `new Worker(config.search)` -------------------- */

  var mode = location.protocol === "file:" ? "file" : /^https?:$/.test(location.protocol) ? "served" : null;
  if (!mode) return;
  document.documentElement.setAttribute("data-bg-search", mode === "file" ? "lunr" : "pagefind");
  if (mode === "file") {
    // from the file system a folder address opens a listing, not its page: link index.html itself
    var links = document.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var raw = links[i].getAttribute("href");
      if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.charAt(0) === "#") continue;
      var target = new URL(raw, location.href);
      if (target.protocol === "file:" && /\/$/.test(target.pathname)) {
        links[i].setAttribute("href", raw.replace(/^([^?#]*\/)(?=[?#]|$)/, "$1index.html"));
      }
    }
  }
  if (mode === "file" && config.features.indexOf("search.highlight") >= 0) {
    // highlighting needs the index on every page view: from file:// load it only when searching
    config.features = config.features.filter(function (f) { return f !== "search.highlight"; });
    configElement.textContent = JSON.stringify(config);
  }
  window.Worker = function (url, options) {
    if (isSearchWorker(url)) {
      return mode === "file" ? new FrameWorker(new URL(url, location.href).href) : new PagefindSearch(url);
    }
    return new RealWorker(url, options);
  };
  window.Worker.prototype = RealWorker.prototype;
})();
