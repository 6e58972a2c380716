// boardread page: a photo in, an answer out. No build step; the API contract is
// shared/docs/api.md. Each photo chosen starts a "run"; a newer run aborts the older one's
// requests, and an older run's late answer is dropped, so the page never shows a stale result.
"use strict";

(function boardread() {
  const CONFIG = window.BOARDREAD_CONFIG || {};
  // "" (the local server) means the API shares this page's origin.
  const API_BASE = String(CONFIG.apiUrl || "").replace(/\/+$/, "");
  const MAX_SIDE = 1600; // long side of the photo we send, in pixels
  const JPEG_QUALITY = 0.9;
  const MIN_SIDE = 16; // the API refuses smaller images (image_too_small)
  // Lambda takes about 4.4 MB of raw bytes directly; bigger photos go through POST /uploads.
  const DIRECT_UPLOAD_MAX_BYTES = positiveNumber(CONFIG.directUploadMaxBytes, 4000000);
  const REQUEST_TIMEOUT_MS = positiveNumber(CONFIG.requestTimeoutMs, 30000);
  // Where the words change, from the trained models on the held-out test photos: answers at 90%
  // or more were right 96-97% of the time, from 60% to 90% 59-79%, under 60% at most 55%.
  const SURE = 0.9; // at or above: "It is ..."
  const FAIRLY_SURE = 0.6; // at or above: "Probably ..."; below: "boardread is not sure: 8 or B?"
  const IMAGE_NAME = /\.(jpe?g|jfif|png|webp|bmp|tiff?|gif|avif|heic|heif)$/i;

  const $ = (id) => document.getElementById(id);
  const el = {
    input: $("photo-input"),
    pickerLabel: $("photo-label"),
    pickerTitle: $("picker-title"),
    dropzone: $("dropzone"),
    camera: $("camera-button"),
    status: $("status"),
    progress: $("progress"),
    statusText: $("status-text"),
    error: $("error"),
    errorActions: $("error-actions"),
    retry: $("retry-button"),
    tips: $("tips"),
    work: $("work"),
    result: $("result"),
    resultLabel: $("result-label"),
    verdict: $("result-verdict"),
    category: $("result-category"),
    confidenceValue: $("confidence-value"),
    confidenceBar: $("confidence-bar"),
    confidenceFill: $("confidence-fill"),
    alternatives: $("alternatives"),
    boardNote: $("board-note"),
    details: $("details-list"),
    boardFigure: $("board-figure"),
    boardPreview: $("board-preview"),
    photoFigure: $("photo-figure"),
    photoPreview: $("photo-preview"),
    photoCaption: $("photo-caption"),
    docsLink: $("api-docs-link"),
    feedbackToggle: $("feedback-toggle"),
    feedbackForm: $("feedback-form"),
    feedbackChar: $("feedback-char"),
    feedbackCaption: $("feedback-label-caption"),
    feedbackLabel: $("feedback-label"),
    feedbackLabelError: $("feedback-label-error"),
    feedbackCategoryError: $("feedback-category-error"),
    feedbackSend: $("feedback-send"),
    feedbackMessage: $("feedback-message"),
  };

  /** A failure to show a person: ``kind`` picks the words (see MESSAGES). */
  class PageError extends Error {
    constructor(kind, detail) {
      super(kind);
      this.kind = kind;
      this.detail = detail || {};
    }
  }

  /** Thrown when a newer photo took over: nothing to show. */
  class Superseded extends Error {}

  const MESSAGES = {
    not_image: (d) => ({
      title: "That file is not a photo",
      text: `“${d.name}” is ${d.type ? `a ${d.type} file` : "not an image"}. ` +
        "Choose a photo of the board (JPEG, PNG or WebP).",
    }),
    no_file: () => ({
      title: "No photo there",
      text: "Drop or paste a photo file of the board (not a link or text).",
    }),
    unreadable: () => ({
      title: "That file can’t be read as a photo",
      text: "It may be damaged, or in a format boardread does not read. " +
        "Choose a JPEG, PNG or WebP photo of the board.",
    }),
    undecodable: () => ({
      title: "This browser can’t open that photo",
      text: "It may be in a format this browser does not show (such as HEIC). " +
        "Take a screenshot of it, or save it as JPEG, and choose that.",
    }),
    too_small: () => ({
      title: "That image is too small",
      text: `It needs to be at least ${MIN_SIDE} pixels on each side. Choose a larger photo.`,
    }),
    too_large: () => ({
      title: "That photo is too large",
      text: "It could not be sent even after shrinking it. " +
        "Choose a smaller photo, or a screenshot of it.",
    }),
    unreachable: () => ({
      title: "Can’t reach boardread",
      text: "The photo could not be sent. Check your internet connection, then try again.",
      retry: true,
    }),
    timeout: () => ({
      title: "boardread took too long to answer",
      text: `No answer came within ${Math.round(REQUEST_TIMEOUT_MS / 1000)} seconds. ` +
        "Try again in a moment.",
      retry: true,
    }),
    server: (d) => ({
      title: "Something went wrong on our side",
      text: `boardread could not read this photo because of a problem on the server` +
        `${d.status ? ` (error ${d.status})` : ""}. Try again in a moment.`,
      retry: true,
    }),
    busy: () => ({
      title: "boardread is busy right now",
      text: "Too many photos are being read at once. Try again in a moment.",
      retry: true,
    }),
    bad_response: () => ({
      title: "boardread gave an answer this page does not understand",
      text: "Try again in a moment. If it keeps happening, reload the page.",
      retry: true,
    }),
    refused: (d) => ({
      title: "boardread could not read this photo",
      text: d.message || `The server refused the photo (error ${d.status}).`,
    }),
    internal: () => ({
      title: "Something went wrong on this page",
      text: "Choose the photo again. If it keeps happening, reload the page.",
    }),
  };

  // ------------------------------------------------------------------------- state

  let run = 0; // id of the newest run
  let inflight = null; // AbortController of the newest run
  let lastPrepared = null; // what the retry button sends again
  let photoUrl = null; // object URL of the photo on show
  let answered = null; // the photo of the answer on show: what a correction sends
  let feedbackInflight = null; // AbortController of the correction being sent

  // ------------------------------------------------------------------------- choosing

  function init() {
    if (API_BASE) el.docsLink.href = `${API_BASE}/docs`;
    el.input.addEventListener("change", onInputChange);
    el.input.addEventListener("cancel", dropCapture);
    el.pickerLabel.addEventListener("click", dropCapture);
    el.retry.addEventListener("click", onRetry);
    el.feedbackToggle.addEventListener("click", onFeedbackToggle);
    el.feedbackForm.addEventListener("change", onFeedbackCategory);
    el.feedbackForm.addEventListener("submit", onFeedbackSubmit);
    el.feedbackLabel.addEventListener("input", () => clearFieldError(el.feedbackLabel,
      el.feedbackLabelError));
    document.addEventListener("dragenter", onDragOver);
    document.addEventListener("dragover", onDragOver);
    document.addEventListener("dragleave", onDragLeave);
    document.addEventListener("drop", onDrop);
    document.addEventListener("paste", onPaste);
    el.photoPreview.addEventListener("error", () => {
      el.photoCaption.textContent = "Your photo (this browser cannot show a preview of it)";
      el.photoPreview.hidden = true;
    });
    el.boardPreview.addEventListener("error", () => {
      el.boardFigure.hidden = true;
    });
    el.camera.addEventListener("click", () => {
      // The same input with `capture`: phones open the rear camera directly.
      el.input.setAttribute("capture", "environment");
      el.input.click();
    });
  }

  function dropCapture() {
    el.input.removeAttribute("capture");
  }

  function onInputChange() {
    const file = el.input.files && el.input.files[0];
    dropCapture();
    if (file) choosePhoto(file);
    el.input.value = ""; // choosing the same file again still fires "change"
  }

  function hasFiles(event) {
    const types = event.dataTransfer ? Array.from(event.dataTransfer.types || []) : [];
    return types.includes("Files");
  }

  function onDragOver(event) {
    if (!hasFiles(event)) return;
    event.preventDefault(); // without this the browser opens the dropped file itself
    event.dataTransfer.dropEffect = "copy";
    el.dropzone.classList.add("is-dragging");
  }

  function onDragLeave(event) {
    // Leaving the window (no element to go to) ends the drag over the page.
    if (!event.relatedTarget) el.dropzone.classList.remove("is-dragging");
  }

  function onDrop(event) {
    el.dropzone.classList.remove("is-dragging");
    if (!event.dataTransfer) return;
    event.preventDefault();
    const file = event.dataTransfer.files && event.dataTransfer.files[0];
    if (file) {
      choosePhoto(file);
    } else {
      startRun();
      showError(new PageError("no_file"));
    }
  }

  function onPaste(event) {
    const data = event.clipboardData;
    const file = data && data.files && data.files[0];
    if (!file) return; // pasted text: not ours to handle
    event.preventDefault();
    choosePhoto(file);
  }

  function onRetry() {
    if (!lastPrepared) return;
    const id = startRun();
    send(lastPrepared, id);
  }

  // ------------------------------------------------------------------------- one run

  /** A new run: aborts the previous one's requests and clears the answer. Returns its id. */
  function startRun() {
    run += 1;
    if (inflight) inflight.abort();
    inflight = null;
    if (feedbackInflight) feedbackInflight.abort();
    feedbackInflight = null;
    answered = null;
    clearError();
    el.result.hidden = true;
    el.boardFigure.hidden = true;
    el.boardPreview.removeAttribute("src");
    return run;
  }

  async function choosePhoto(file) {
    const id = startRun();
    lastPrepared = null;
    if (!looksLikeImage(file)) {
      showPhoto(null);
      showError(new PageError("not_image", { name: file.name, type: file.type }));
      return;
    }
    setBusy("Preparing the photo…");
    let prepared;
    try {
      prepared = await preparePhoto(file);
    } catch (err) {
      if (id !== run) return;
      showPhoto(null);
      showError(err);
      return;
    }
    if (id !== run) return;
    showPhoto(prepared);
    lastPrepared = prepared;
    await send(prepared, id);
  }

  async function send(prepared, id) {
    const controller = new AbortController();
    inflight = controller;
    setBusy("Reading the board…");
    el.work.setAttribute("aria-busy", "true");
    try {
      const body = prepared.blob.size > DIRECT_UPLOAD_MAX_BYTES
        ? await predictViaUpload(prepared, controller.signal)
        : await predictDirect(prepared, controller.signal);
      if (id !== run) return;
      showResult(checkPrediction(body), prepared);
      answered = prepared;
    } catch (err) {
      if (id !== run || err instanceof Superseded) return;
      showError(err);
    } finally {
      if (inflight === controller) inflight = null;
      if (id === run) el.work.removeAttribute("aria-busy");
    }
  }

  function looksLikeImage(file) {
    if (file.type) return file.type.startsWith("image/");
    return IMAGE_NAME.test(file.name || ""); // some systems give no type (HEIC, TIFF)
  }

  // ------------------------------------------------------------------------- the photo

  /**
   * The photo to send: decoded upright (EXIF orientation), at most MAX_SIDE px on its long
   * side, as JPEG on white. A photo this browser cannot decode goes as it is, if small enough,
   * and the server decides.
   */
  async function preparePhoto(file) {
    const source = await decodeImage(file);
    if (!source) {
      if (file.size <= DIRECT_UPLOAD_MAX_BYTES) {
        return { blob: file, name: file.name || "photo", width: 0, height: 0, original: null };
      }
      throw new PageError("undecodable");
    }
    try {
      const { width, height } = source;
      if (Math.min(width, height) < MIN_SIDE) throw new PageError("too_small");
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext("2d", { alpha: false });
      ctx.fillStyle = "#ffffff"; // transparent pixels become white, as the server does too
      ctx.fillRect(0, 0, w, h);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(source.image, 0, 0, w, h);
      const blob = await canvasToJpeg(canvas);
      canvas.width = 0; // let the browser free the pixels now
      canvas.height = 0;
      return { blob, name: `${baseName(file.name)}.jpg`, width: w, height: h,
               original: { width, height, bytes: file.size } };
    } finally {
      source.close();
    }
  }

  // A 2 x 1 JPEG whose EXIF orientation says "turn 90 degrees": decoded upright it is 1 x 2.
  const TURNED_JPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAA" +
    "AAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBk" +
    "eFxlZ2P/wAALCAABAAIBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAI" +
    "AQEAAD8AP//Z";
  let bitmapOrients = null; // Promise<boolean>, settled once per page

  /** Whether createImageBitmap applies EXIF orientation here (older engines ignore the option). */
  function bitmapHonoursOrientation() {
    if (!bitmapOrients) {
      bitmapOrients = (async () => {
        if (typeof createImageBitmap !== "function") return false;
        try {
          const bytes = Uint8Array.from(atob(TURNED_JPEG), (c) => c.charCodeAt(0));
          const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }),
            { imageOrientation: "from-image" });
          const upright = bitmap.width === 1 && bitmap.height === 2;
          bitmap.close();
          return upright;
        } catch (err) {
          return false;
        }
      })();
    }
    return bitmapOrients;
  }

  /** The image upright, or null when this browser cannot decode it. */
  async function decodeImage(file) {
    if (await bitmapHonoursOrientation()) {
      try {
        const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
        return { image: bitmap, width: bitmap.width, height: bitmap.height,
                 close: () => bitmap.close() };
      } catch (err) {
        // Fall through: <img> decodes some formats createImageBitmap does not (SVG).
      }
    }
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.src = url; // <img> applies EXIF orientation by default (image-orientation: from-image)
    try {
      await img.decode();
    } catch (err) {
      URL.revokeObjectURL(url);
      return null;
    }
    if (!img.naturalWidth || !img.naturalHeight) {
      URL.revokeObjectURL(url);
      return null;
    }
    return { image: img, width: img.naturalWidth, height: img.naturalHeight,
             close: () => URL.revokeObjectURL(url) };
  }

  function canvasToJpeg(canvas) {
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new PageError("undecodable"))),
        "image/jpeg", JPEG_QUALITY);
    });
  }

  function baseName(name) {
    const stem = String(name || "photo").replace(/\.[^.]*$/, "");
    return stem || "photo";
  }

  // ------------------------------------------------------------------------- the API

  function predictDirect(prepared, signal) {
    const form = new FormData();
    form.append("file", prepared.blob, prepared.name);
    return callApi(`${API_BASE}/predict?debug=true`, { method: "POST", body: form }, signal);
  }

  /** Big photos: a presigned S3 POST from /uploads, then /predict?key=. */
  async function predictViaUpload(prepared, signal) {
    let ticket;
    try {
      ticket = await callApi(`${API_BASE}/uploads`, { method: "POST" }, signal);
    } catch (err) {
      // No uploads bucket here (a local run): the photo is simply too big to send.
      if (err instanceof PageError && err.detail.code === "uploads_unavailable") {
        throw new PageError("too_large", err.detail);
      }
      throw err;
    }
    if (!ticket || typeof ticket.url !== "string" || typeof ticket.key !== "string") {
      throw new PageError("bad_response");
    }
    if (ticket.max_bytes && prepared.blob.size > ticket.max_bytes) {
      throw new PageError("too_large");
    }
    const form = new FormData();
    Object.entries(ticket.fields || {}).forEach(([name, value]) => form.append(name, value));
    form.append("file", prepared.blob, prepared.name); // S3 wants the file last
    const stored = await timedFetch(ticket.url, { method: "POST", body: form }, signal);
    if (!stored.ok) {
      if (/EntityTooLarge/.test(stored.text)) {
        throw new PageError("too_large", { status: stored.status });
      }
      throw new PageError("server", { status: stored.status });
    }
    const url = `${API_BASE}/predict?debug=true&key=${encodeURIComponent(ticket.key)}`;
    const body = await callApi(url, { method: "POST" }, signal);
    prepared.uploadKey = ticket.key; // a correction names the upload rather than resending it
    return body;
  }

  /**
   * fetch with this run's abort signal and a timeout, body read as text. Rejects with
   * PageError (timeout, unreachable) or Superseded (a newer photo aborted it).
   */
  async function timedFetch(url, init, runSignal) {
    const controller = new AbortController();
    let timedOut = false;
    const onRunAbort = () => controller.abort();
    runSignal.addEventListener("abort", onRunAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, { ...init, signal: controller.signal });
      // Read the body under the same timeout: a stalled body is as bad as no answer.
      const text = await response.text();
      return { ok: response.ok, status: response.status, headers: response.headers, text };
    } catch (err) {
      if (runSignal.aborted) throw new Superseded();
      if (timedOut) throw new PageError("timeout");
      throw new PageError("unreachable", { cause: String(err) });
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener("abort", onRunAbort);
    }
  }

  /** The JSON body of a 2xx answer; anything else becomes the PageError that explains it. */
  async function callApi(url, init, signal) {
    const response = await timedFetch(url, init, signal);
    let body = null;
    try {
      body = JSON.parse(response.text);
    } catch (err) {
      body = null; // API Gateway and proxies can answer with non-JSON errors
    }
    if (response.ok) {
      if (body === null || typeof body !== "object") throw new PageError("bad_response");
      return body;
    }
    const error = body && typeof body.error === "object" && body.error ? body.error : {};
    throw errorFor(response.status, {
      status: response.status,
      code: typeof error.code === "string" ? error.code : null,
      message: typeof error.message === "string" ? error.message : null,
      requestId: error.request_id || response.headers.get("x-request-id") || null,
    });
  }

  function errorFor(status, detail) {
    const code = detail.code;
    if (code === "invalid_image" || code === "unsupported_media_type" || status === 415) {
      return new PageError("unreadable", detail);
    }
    if (code === "image_too_small") return new PageError("too_small", detail);
    if (code === "image_too_large" || code === "payload_too_large" || status === 413) {
      return new PageError("too_large", detail);
    }
    if (code === "uploads_unavailable") return new PageError("refused", detail);
    if (status === 429) return new PageError("busy", detail); // API Gateway's throttling
    if (status >= 500) return new PageError("server", detail);
    return new PageError("refused", detail);
  }

  /** The 200 body, checked enough to render; throws bad_response otherwise. */
  function checkPrediction(body) {
    const okCategory = (c) => c === "digit" || c === "letter" || c === "free_pattern";
    const okConfidence = (x) => typeof x === "number" && x >= 0 && x <= 1;
    if (!okCategory(body.category) || !okConfidence(body.confidence) ||
        !Array.isArray(body.alternatives)) {
      throw new PageError("bad_response");
    }
    const alternatives = body.alternatives
      .filter((a) => a && okCategory(a.category) && okConfidence(a.confidence))
      .slice(0, 3);
    return { ...body, alternatives };
  }

  // ------------------------------------------------------------------------- showing

  function setBusy(text) {
    el.tips.hidden = true;
    el.status.classList.add("is-busy");
    el.progress.hidden = false;
    el.statusText.textContent = text;
  }

  function setDone(text) {
    el.status.classList.remove("is-busy");
    el.progress.hidden = true;
    el.statusText.textContent = text;
  }

  function showPhoto(prepared) {
    if (photoUrl) URL.revokeObjectURL(photoUrl);
    photoUrl = null;
    if (!prepared) {
      el.work.hidden = true;
      el.photoFigure.hidden = true;
      el.photoPreview.removeAttribute("src");
      return;
    }
    photoUrl = URL.createObjectURL(prepared.blob);
    el.photoPreview.hidden = false;
    el.photoPreview.src = photoUrl;
    el.photoCaption.textContent = prepared.original &&
      (prepared.original.width !== prepared.width || prepared.original.height !== prepared.height)
      ? `Your photo, shrunk to ${prepared.width} × ${prepared.height} to send`
      : "Your photo";
    el.photoFigure.hidden = false;
    el.work.hidden = false;
    el.pickerTitle.textContent = "Choose another photo";
  }

  /** What an answer is, in words: short ("8", "a drawing") and long ("the digit 8"). */
  function describe(category, label) {
    if (category === "free_pattern" || label === null || label === undefined) {
      return { glyph: "✎", short: "a drawing", long: "a drawing, not a character" };
    }
    if (category === "digit") return { glyph: label, short: label, long: `the digit ${label}` };
    return { glyph: label, short: label, long: `the letter ${label}` };
  }

  /** "97%"; never "0%" for a chance that is not nil, nor "100%" for one that is not certain. */
  function percent(x) {
    const p = Math.round(x * 100);
    if (p === 0 && x > 0) return "<1%";
    if (p === 100 && x < 1) return ">99%";
    return `${p}%`;
  }

  /** How sure, judged on the percentage shown, so the words never contradict the number. */
  function level(confidence) {
    const shown = Math.round(confidence * 100);
    if (shown >= SURE * 100) return "high";
    if (shown >= FAIRLY_SURE * 100) return "medium";
    return "low";
  }

  /** "It is the digit 7.", "Probably the letter K.", or "boardread is not sure: 8 or B?" */
  function verdict(prediction) {
    const answer = describe(prediction.category, prediction.label);
    const lvl = level(prediction.confidence);
    if (lvl === "high") return `It is ${answer.long}.`;
    if (lvl === "medium") return `Probably ${answer.long}.`;
    const names = [];
    for (const alt of prediction.alternatives) {
      const name = describe(alt.category, alt.label).short;
      if (!names.includes(name)) names.push(name);
      if (names.length === 2) break;
    }
    if (names.length < 2) return `boardread is not sure: maybe ${answer.short}?`;
    return `boardread is not sure: ${names[0]} or ${names[1]}?`;
  }

  const SURENESS = { high: "sure", medium: "fairly sure", low: "not sure" };

  const KIND_WORDS = {
    digit: "A digit (0–9)",
    letter: "A letter (A–Z)",
    free_pattern: "A drawing, not a character",
  };

  function showResult(prediction, prepared) {
    const answer = describe(prediction.category, prediction.label);
    const lvl = level(prediction.confidence);
    const sentence = verdict(prediction);

    const drawing = prediction.category === "free_pattern";
    el.resultLabel.textContent = answer.glyph;
    el.resultLabel.classList.toggle("is-drawing", drawing);
    // The pencil mark stands in for a missing character; the verdict says it in words.
    if (drawing) el.resultLabel.setAttribute("aria-hidden", "true");
    else el.resultLabel.removeAttribute("aria-hidden");
    el.verdict.textContent = sentence;
    el.verdict.dataset.level = lvl;
    // For digits and letters, how sure the kind is can differ from how sure the answer is.
    const kindSure = prediction.category !== "free_pattern" &&
      typeof prediction.category_confidence === "number"
      ? `, ${percent(prediction.category_confidence)} sure it is a ${prediction.category}` : "";
    el.category.textContent = `${KIND_WORDS[prediction.category]}${kindSure}`;

    const pct = Math.round(prediction.confidence * 100);
    el.confidenceValue.textContent = `${percent(prediction.confidence)} (${SURENESS[lvl]})`;
    el.confidenceBar.setAttribute("aria-valuenow", String(pct));
    el.confidenceBar.setAttribute("aria-valuetext",
      `${percent(prediction.confidence)}, ${SURENESS[lvl]}`);
    el.confidenceBar.dataset.level = lvl;
    el.confidenceFill.style.width = `${pct}%`;

    el.alternatives.replaceChildren(...prediction.alternatives.map(alternativeItem));
    el.boardNote.hidden = prediction.board_found !== false;
    showBoard(prediction.board_png);
    showDetails(prediction, prepared);

    resetFeedback();
    el.result.hidden = false;
    setDone(`${sentence} ${percent(prediction.confidence)} sure.`);
  }

  function alternativeItem(alt) {
    const words = describe(alt.category, alt.label);
    const li = document.createElement("li");
    li.className = "alternative";
    const glyph = document.createElement("span");
    glyph.className = "alt-glyph";
    glyph.setAttribute("aria-hidden", "true");
    glyph.textContent = words.glyph;
    const name = document.createElement("span");
    name.className = "alt-name";
    name.textContent = words.long.charAt(0).toUpperCase() + words.long.slice(1);
    const bar = document.createElement("span");
    bar.className = "alt-bar";
    bar.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.style.width = `${Math.round(alt.confidence * 100)}%`;
    bar.append(fill);
    const value = document.createElement("span");
    value.className = "alt-value";
    value.textContent = percent(alt.confidence);
    li.append(glyph, name, bar, value);
    return li;
  }

  function showBoard(boardPng) {
    if (typeof boardPng !== "string" || !/^[A-Za-z0-9+/]+=*$/.test(boardPng)) {
      el.boardFigure.hidden = true;
      return;
    }
    el.boardPreview.src = `data:image/png;base64,${boardPng}`;
    el.boardFigure.hidden = false;
  }

  function showDetails(prediction, prepared) {
    const rows = [];
    if (prepared.original) {
      rows.push(["Photo sent", `${prepared.width} × ${prepared.height} JPEG, ${kilobytes(
        prepared.blob.size)} (from ${prepared.original.width} × ${prepared.original.height}, ${
        kilobytes(prepared.original.bytes)})`]);
    } else {
      rows.push(["Photo sent", `as chosen, ${kilobytes(prepared.blob.size)}`]);
    }
    if (prediction.timings_ms && typeof prediction.timings_ms.total === "number") {
      rows.push(["Server time", `${Math.round(prediction.timings_ms.total)} ms`]);
    }
    rows.push(["Board outline", prediction.board_found === false ? "not found" : "found"]);
    if (prediction.model_version) rows.push(["Models", String(prediction.model_version)]);
    el.details.replaceChildren(...rows.flatMap(([term, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      return [dt, dd];
    }));
  }

  // ------------------------------------------------------------------------- corrections

  const FEEDBACK_ASK = {
    digit: { caption: "Which digit?", mode: "numeric", pattern: /^[0-9]$/,
             empty: "Type the digit on the board, 0 to 9.",
             wrong: (c) => `“${c}” is not a digit: type one of 0 to 9.` },
    letter: { caption: "Which letter?", mode: "text", pattern: /^[A-Za-z]$/,
              empty: "Type the letter on the board, A to Z.",
              wrong: (c) => `“${c}” is not a letter: type one of A to Z.` },
  };

  /** A fresh, closed form for a new answer. */
  function resetFeedback() {
    if (feedbackInflight) feedbackInflight.abort();
    feedbackInflight = null;
    el.feedbackForm.reset();
    el.feedbackForm.hidden = true;
    el.feedbackChar.hidden = true;
    el.feedbackToggle.hidden = false;
    el.feedbackToggle.setAttribute("aria-expanded", "false");
    el.feedbackSend.disabled = false;
    el.feedbackSend.textContent = "Send";
    clearFieldError(el.feedbackLabel, el.feedbackLabelError);
    clearFieldError(null, el.feedbackCategoryError);
    setFeedbackMessage("", null);
  }

  function onFeedbackToggle() {
    const open = el.feedbackForm.hidden;
    el.feedbackForm.hidden = !open;
    el.feedbackToggle.setAttribute("aria-expanded", String(open));
    if (open) setFeedbackMessage("", null);
  }

  function chosenCategory() {
    const checked = el.feedbackForm.querySelector("input[name=feedback-category]:checked");
    return checked ? checked.value : null;
  }

  /** Digit or letter: ask which one, in words that fit; a drawing needs no character. */
  function onFeedbackCategory(event) {
    if (event.target.name !== "feedback-category") return;
    clearFieldError(null, el.feedbackCategoryError);
    clearFieldError(el.feedbackLabel, el.feedbackLabelError);
    const ask = FEEDBACK_ASK[chosenCategory()];
    el.feedbackChar.hidden = !ask;
    if (!ask) return;
    el.feedbackCaption.textContent = ask.caption;
    el.feedbackLabel.inputMode = ask.mode;
    if (el.feedbackLabel.value && !ask.pattern.test(el.feedbackLabel.value)) {
      el.feedbackLabel.value = "";
    }
  }

  /** The correction the form holds, or null after showing what is missing. */
  function readCorrection() {
    const category = chosenCategory();
    if (!category) {
      showFieldError(null, el.feedbackCategoryError, "Choose what is on the board.");
      el.feedbackForm.querySelector("input[name=feedback-category]").focus();
      return null;
    }
    const ask = FEEDBACK_ASK[category];
    if (!ask) return { category, label: null };
    const typed = el.feedbackLabel.value.trim();
    if (!ask.pattern.test(typed)) {
      showFieldError(el.feedbackLabel, el.feedbackLabelError,
        typed ? ask.wrong(typed) : ask.empty);
      el.feedbackLabel.focus();
      return null;
    }
    return { category, label: typed.toUpperCase() };
  }

  async function onFeedbackSubmit(event) {
    event.preventDefault(); // the page sends it itself; no navigation (form-action 'none')
    if (!answered || feedbackInflight) return;
    const correction = readCorrection();
    if (!correction) return;
    const controller = new AbortController();
    feedbackInflight = controller;
    el.feedbackSend.disabled = true;
    el.feedbackSend.textContent = "Sending…";
    setFeedbackMessage("Sending your correction…", "busy");
    try {
      const stored = await postFeedback(answered, correction, controller.signal);
      if (feedbackInflight !== controller) return;
      const saved = describe(stored.category === undefined ? correction.category : stored.category,
        stored.label === undefined ? correction.label : stored.label);
      el.feedbackForm.hidden = true;
      el.feedbackToggle.hidden = true;
      setFeedbackMessage(`Thank you. Saved as ${saved.long}; it will help train boardread.`,
        "done");
      el.feedbackMessage.focus(); // the Send button it replaces is gone
    } catch (err) {
      if (feedbackInflight !== controller || err instanceof Superseded) return;
      if (!(err instanceof PageError)) console.error(err);
      setFeedbackMessage(feedbackErrorWords(err), "error",
        err instanceof PageError ? err.detail.requestId : null);
    } finally {
      if (feedbackInflight === controller) {
        feedbackInflight = null;
        el.feedbackSend.disabled = false;
        el.feedbackSend.textContent = "Send";
      }
    }
  }

  /** POST /feedback: the photo sent for the answer (or its upload's key) and the correction. */
  function postFeedback(prepared, correction, signal) {
    const form = new FormData();
    form.append("category", correction.category);
    if (correction.label) form.append("label", correction.label);
    if (prepared.uploadKey) form.append("key", prepared.uploadKey);
    else form.append("file", prepared.blob, prepared.name);
    return callApi(`${API_BASE}/feedback`, { method: "POST", body: form }, signal);
  }

  function feedbackErrorWords(err) {
    const kind = err instanceof PageError ? err.kind : "internal";
    const d = err instanceof PageError ? err.detail : {};
    if (d.code === "feedback_unavailable" || d.status === 501) {
      return "Corrections are not collected on this server.";
    }
    if (kind === "unreachable") {
      return "Can’t reach boardread: the correction was not sent. " +
        "Check your internet connection, then send it again.";
    }
    if (kind === "timeout") return "boardread took too long to answer. Send it again in a moment.";
    if (kind === "busy") return "boardread is busy right now. Send it again in a moment.";
    if (kind === "too_large") return "The photo is too large to send as a correction.";
    if (kind === "server") {
      return `Something went wrong on our side${d.status ? ` (error ${d.status})` : ""}. ` +
        "Send it again in a moment.";
    }
    if (kind === "bad_response") {
      return "boardread gave an answer this page does not understand. Send it again in a moment.";
    }
    if (d.status) {
      return `boardread did not take the correction: ${d.message ||
        `the server refused it (error ${d.status}).`}`;
    }
    return "Something went wrong on this page. Choose the photo again, then send the correction.";
  }

  function setFeedbackMessage(text, kind, requestId) {
    if (kind) el.feedbackMessage.dataset.kind = kind;
    else delete el.feedbackMessage.dataset.kind;
    const parts = [];
    if (text) {
      const line = document.createElement("span");
      line.textContent = text;
      parts.push(line);
    }
    if (requestId) {
      const ref = document.createElement("span");
      ref.className = "error-ref";
      ref.textContent = `Reference: ${requestId}`;
      parts.push(ref);
    }
    el.feedbackMessage.replaceChildren(...parts);
  }

  function showFieldError(input, message, text) {
    message.textContent = text;
    if (input) input.setAttribute("aria-invalid", "true");
  }

  function clearFieldError(input, message) {
    message.textContent = "";
    if (input) input.removeAttribute("aria-invalid");
  }

  function kilobytes(bytes) {
    return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
  }

  function showError(err) {
    const pageError = err instanceof PageError ? err : new PageError("internal");
    if (!(err instanceof PageError)) console.error(err); // a bug here, not a person's mistake
    const words = MESSAGES[pageError.kind](pageError.detail);
    setDone("");
    el.result.hidden = true;
    const title = document.createElement("p");
    title.className = "error-title";
    title.textContent = words.title;
    const text = document.createElement("p");
    text.textContent = words.text;
    const parts = [title, text];
    if (pageError.detail.requestId) {
      const ref = document.createElement("p");
      ref.className = "error-ref";
      ref.textContent = `Reference: ${pageError.detail.requestId}`;
      parts.push(ref);
    }
    el.error.dataset.kind = pageError.kind;
    el.error.replaceChildren(...parts);
    el.errorActions.hidden = !(words.retry && lastPrepared);
  }

  function clearError() {
    el.error.replaceChildren();
    delete el.error.dataset.kind;
    el.errorActions.hidden = true;
  }

  function positiveNumber(value, fallback) {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  }

  init();
})();
