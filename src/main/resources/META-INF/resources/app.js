'use strict';
// The web page of POST v1/predictions: choose, drop or take a photo, send it, show the answer.
// Plain JavaScript, no framework, no build step. URLs are relative so the page works under any prefix.
(() => {
  const MIB = 1024 * 1024;
  const $ = (id) => document.getElementById(id);

  // What the service accepts. GET v1/model refines the preprocessing; a 413 refines the byte limit.
  const service = {
    maxBytes: 10 * MIB, // the service's default limit (melanoma.limits.max-image-bytes)
    cropFraction: 0.5, // input.preprocessing.centerCropFraction
    inputSide: 384, // input.height
    heatmap: false, // extraOutputs has a class activation map: ask for include=heatmap
  };
  // The canvas a phone browser can hold (iOS Safari stops at 16.7 megapixels).
  const MAX_CANVAS_PIXELS = 16e6;
  // A gateway's own 413 has no maxBytes: API Gateway hands Lambda the body in base64 inside a 6 MB event,
  // which leaves room for about 4.5 MB of photo.
  const GATEWAY_BYTES = 4 * MIB;

  let inFlight = null; // AbortController of the photo being handled
  let previewUrl = null;
  let lastFile = null; // sent again when the patient details change

  // ---------------------------------------------------------------------------------------------- model
  async function loadModel() {
    try {
      const response = await fetch('v1/model', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const spec = await response.json();
      const input = spec.input || {};
      service.cropFraction = (input.preprocessing || {}).centerCropFraction || service.cropFraction;
      service.inputSide = input.height || service.inputSide;
      service.heatmap = (spec.extraOutputs || []).some((o) => o.kind === 'class-activation-map');
      $('input-size').textContent = `${input.width || service.inputSide} × ${service.inputSide}`;
      $('model-footer').textContent = modelText(spec.name, spec.version, spec.trained);
      if (spec.trained === false) showModelWarning();
    } catch (e) {
      $('model-footer').textContent = 'unknown';
      const problem = $('service-problem');
      problem.textContent = `The page could not reach the service (${e.message}); sending a photo may fail too.`;
      problem.hidden = false;
    }
  }

  function modelText(name, version, trained) {
    return `${name} version ${version}` + (trained === false ? ' (untrained demo)' : '');
  }

  function showModelWarning() {
    $('model-warning').hidden = false;
  }

  // ------------------------------------------------------------------------ preparing the photo to send
  function formatOf(bytes) {
    const ascii = (from, n) => String.fromCharCode(...bytes.slice(from, from + n));
    if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
    if (bytes[0] === 0x89 && ascii(1, 3) === 'PNG') return 'PNG';
    if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'WebP';
    if (ascii(4, 4) === 'ftyp') return ascii(8, 3) === 'avi' ? 'AVIF' : 'HEIC';
    if (ascii(0, 3) === 'GIF') return 'GIF';
    if (ascii(0, 2) === 'BM') return 'BMP';
    if (ascii(0, 2) === 'II' || ascii(0, 2) === 'MM') return 'TIFF';
    return '';
  }

  // Decoded with the EXIF orientation applied, as the service does, and without colour management: the
  // service, like the training pipeline, ignores ICC profiles.
  async function decode(blob) {
    try {
      return await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'none' });
    } catch (e) {
      return await createImageBitmap(blob); // an engine that does not know these options
    }
  }

  function encodeJpeg(bitmap, width, height, quality) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = 'high';
    g.drawImage(bitmap, 0, 0, width, height);
    return new Promise((resolve, reject) => canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('this browser could not encode a JPEG'))),
      'image/jpeg', quality));
  }

  // A JPEG copy under the byte limit. When reducing, its shorter side keeps the model's centre square at
  // twice the model's input (2 × 384 px): the service's antialiased resize still does most of the reduction.
  // Quality 100 first: Chromium encodes it without chroma subsampling, which below 100 costs more than the
  // reduction itself (measured: docs/DESIGN.md, "The web page").
  async function jpegCopy(bitmap, reduce) {
    const { width, height } = bitmap;
    let scale = Math.min(1, Math.sqrt(MAX_CANVAS_PIXELS / (width * height)));
    if (reduce) scale = Math.min(scale, Math.ceil(2 * service.inputSide / service.cropFraction) / Math.min(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    for (const quality of [1, 0.95, 0.9, 0.85]) {
      const blob = await encodeJpeg(bitmap, w, h, quality);
      if (blob.size <= service.maxBytes) return { blob, width: w, height: h, quality, reduced: scale < 1 || reduce };
    }
    return reduce ? null : jpegCopy(bitmap, true);
  }

  // The photo itself when the service can read it as it is (JPEG, PNG, WebP): only a format the service does not
  // read (HEIC, AVIF...) is converted, and only a photo over the byte limit is reduced.
  async function prepare(file, mustReduce) {
    const format = formatOf(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
    const readable = format === 'JPEG' || format === 'PNG' || format === 'WebP';
    const tooLarge = mustReduce || file.size > service.maxBytes;
    const asIs = { blob: file, format, originalBytes: file.size };
    if (readable && !tooLarge) return asIs;
    let bitmap;
    try {
      bitmap = await decode(file);
    } catch (e) {
      return asIs; // this browser cannot read it either: the service's answer will say what it is
    }
    try {
      const copy = await jpegCopy(bitmap, tooLarge);
      return copy ? { ...asIs, ...copy, converted: !readable } : asIs;
    } finally {
      if (bitmap.close) bitmap.close();
    }
  }

  function noticeFor(prepared) {
    if (!prepared.converted && !prepared.reduced) return '';
    const what = prepared.converted
      ? `This photo is ${prepared.format || 'in a format'} that the service does not read, so this page converted it to JPEG`
      : `This photo (${mb(prepared.originalBytes)}) is larger than the service accepts (${mb(service.maxBytes)}), so this page made a JPEG copy`;
    const size = `${prepared.width} × ${prepared.height} pixels, quality ${Math.round(prepared.quality * 100)}, ${mb(prepared.blob.size)}`;
    if (!prepared.reduced) return `${what} in your browser (${size}). The answer is for that copy.`;
    const square = Math.floor(service.cropFraction * Math.min(prepared.width, prepared.height) + 0.5);
    return `${what}${prepared.converted ? ' and reduced it' : ''} in your browser: ${size}. The centre square the `
      + `model looks at is still ${square} pixels, which the service reduces to ${service.inputSide}, so the answer `
      + 'should differ little from the original\'s; it is the answer for the copy.';
  }

  // ------------------------------------------------------------------------------------------- sending
  // A multipart form, as the page without JavaScript sends it: the photo in the part "image" and the patient
  // details the user gave in the fields "age", "sex", "site" (a detail not given is not sent: the service then
  // uses the model's "missing" encoding). Its 413 names the image limit itself, as the raw body's does. The
  // photo part's type says JPEG, PNG or WebP when the bytes do; anything else is sent as bytes for the service to name.
  // The answer also carries the model's input square (include=input) and, when the model has a class
  // activation map, the heatmap; a deployment whose graph lacks the map says so (400) and is asked again without.
  async function send(blob, format, signal) {
    const answer = await post(blob, format, signal, service.heatmap ? 'input,heatmap' : 'input');
    if (answer.status === 400 && String(answer.body.type || '').endsWith(':heatmap-unavailable')) {
      service.heatmap = false;
      return post(blob, format, signal, 'input');
    }
    return answer;
  }

  // The patient details as [name, value] pairs, only those given, in the API's words (the six ISIC 2020 sites).
  function patientFields() {
    const fields = [];
    const age = $('age').value.trim();
    if (age !== '') fields.push(['age', age]);
    for (const name of ['sex', 'site']) {
      if ($(name).value) fields.push([name, $(name).value]);
    }
    return fields;
  }

  function formBody(blob, format) {
    const type = { JPEG: 'image/jpeg', PNG: 'image/png', WebP: 'image/webp' }[format] || 'application/octet-stream';
    const extension = { JPEG: 'jpg', PNG: 'png', WebP: 'webp' }[format] || 'bin';
    const form = new FormData();
    form.append('image', new Blob([blob], { type }), `photo.${extension}`);
    for (const [name, value] of patientFields()) form.append(name, value);
    return form;
  }

  async function post(blob, format, signal, include) {
    let response;
    try {
      // the browser writes the multipart Content-Type with its boundary
      response = await fetch(`v1/predictions?include=${include}`, {
        method: 'POST', body: formBody(blob, format), signal,
        headers: { Accept: 'application/json, application/problem+json' },
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      return { status: 0, body: {} };
    }
    let body = {};
    try {
      body = (response.headers.get('content-type') || '').includes('json')
        ? await response.json() : { detail: (await response.text()).slice(0, 300) };
    } catch (e) { /* an empty or cut answer: the status says enough */ }
    return { status: response.status, body: body || {} };
  }

  async function handle(file) {
    if (!file) return;
    lastFile = file;
    if (inFlight) inFlight.abort();
    const mine = (inFlight = new AbortController());
    const stillMine = () => inFlight === mine;
    reset();
    $('choose-title').textContent = 'Choose another photo';
    if (![...$('patient').elements].every((field) => field.checkValidity())) { // a fieldset's own check is always true
      showError({ status: -1, body: { detail: 'The age must be a whole number of years from 0 to 120, or left empty.' } }, null);
      return;
    }
    setState('busy', 'Preparing the photo…');
    try {
      let prepared = await prepare(file, false);
      let answer = null;
      for (let attempt = 0; attempt < 2 && stillMine(); attempt++) {
        $('notice').textContent = noticeFor(prepared);
        $('notice').hidden = !$('notice').textContent;
        await showPreview(prepared.blob);
        setState('busy', 'Sending the photo… The first answer after a pause can take several seconds.');
        answer = await send(prepared.blob, prepared.blob === file ? prepared.format : 'JPEG', mine.signal);
        if (answer.status !== 413 || prepared.reduced || attempt > 0) break;
        // Too many bytes for the service or a gateway in front of it: send a reduced copy instead.
        service.maxBytes = answer.body.maxBytes || Math.min(service.maxBytes, GATEWAY_BYTES);
        setState('busy', 'The photo is over the size limit; reducing it…');
        const reduced = await prepare(file, true);
        if (!reduced.reduced) break;
        prepared = reduced;
      }
      if (!stillMine()) return;
      if (answer.status === 200) showResult(answer.body);
      else showError(answer, prepared);
    } catch (e) {
      if (e.name !== 'AbortError' && stillMine()) showError({ status: -1, body: { detail: String(e.message || e) } }, null);
    }
  }

  // ------------------------------------------------------------------------------------------- showing
  function setState(state, sentence) {
    document.body.dataset.state = state;
    $('status').textContent = sentence;
  }

  function reset() {
    $('intro').hidden = true;
    $('result').hidden = true;
    $('error').hidden = true;
    $('crop').hidden = true;
    $('quality').hidden = true;
    $('model-input-frame').hidden = true;
    $('heatmap-control').hidden = true;
    $('review').hidden = true;
    $('members').hidden = true;
    $('spread').hidden = true;
    $('combination-row').hidden = true;
    $('metadata-row').hidden = true;
    $('probability').textContent = '';
    delete $('probability').dataset.value;
    $('notice').hidden = true;
  }

  async function showPreview(blob) {
    const img = $('preview-img');
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    $('crop').hidden = true;
    $('preview-caption').textContent = 'The photo as it is sent.';
    img.src = previewUrl;
    $('preview').hidden = false;
    try {
      await img.decode();
      img.hidden = false;
    } catch (e) {
      img.hidden = true; // a format this browser cannot show (HEIC outside Safari)
      $('preview-caption').textContent = 'This browser cannot show this file.';
    }
  }

  const pct = (p) => `${(p * 100).toFixed(1)} %`;
  const mb = (bytes) => `${(bytes / MIB).toFixed(1)} MB`;

  function showResult(a) {
    const p = a.malignantProbability;
    const value = $('probability');
    value.textContent = pct(p);
    value.dataset.value = String(p);
    $('gauge-fill').style.width = `${p * 100}%`;
    $('gauge-tick').style.left = `${a.threshold * 100}%`;
    const malignant = a.label === 'malignant';
    const label = $('label');
    // No reassuring green or alarming red for a number that means nothing.
    label.className = 'label' + (a.model.trained === false ? '' : malignant ? ' malignant' : ' benign');
    label.textContent = malignant
      ? `Labelled malignant: at or above the threshold of ${pct(a.threshold)}.`
      : `Labelled benign: below the threshold of ${pct(a.threshold)}.`;
    $('answer-warning').textContent = a.warning || '';
    $('answer-warning').hidden = !a.warning;
    $('answer-disclaimer').textContent = a.disclaimer;
    if (a.model.trained === false) showModelWarning();
    $('threshold').textContent = `${pct(a.threshold)} (probabilities at or above it are labelled malignant)`;
    // A calibrated probability is not the model's own output: say so, and show both.
    $('calibration').textContent = a.calibrated
      ? `calibrated on labelled photos (model's own output ${pct(a.uncalibratedProbability)})`
      : "none: the model's own output";
    $('model').textContent = `${modelText(a.model.name, a.model.version, a.model.trained)}, sha256 ${a.model.sha256.slice(0, 12)}…`;
    const im = a.image;
    $('photo-facts').textContent = `${im.width} × ${im.height} pixels, ${im.format.replace('image/', '').toUpperCase()}`
      + (im.exifOrientation > 1 ? `, EXIF orientation ${im.exifOrientation} applied` : '');
    $('crop-facts').textContent = `${im.crop.size} × ${im.crop.size} pixels from (${im.crop.left}, ${im.crop.top})`;
    $('timing').textContent = `${Math.round(a.timingsMs.total)} ms`;
    showCrop(im);
    showQuality(a.quality);
    showModelInput(a);
    const review = showReview(a);
    showMembers(a);
    showCombination(a.combination);
    showMetadata(a.metadata);
    $('result').hidden = false;
    setState('result', `Result: ${pct(p)} probability of melanoma, ${a.label} at the ${pct(a.threshold)} threshold.`
      + (review ? ' ' + review : '') + (a.warning ? ' ' + a.warning : ''));
    $('answer-heading').focus();
  }

  // Fields an answer may lack (a service before ensembles and metadata, a single model): absent = nothing shown.
  const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
  const points = (d) => `${(d * 100).toFixed(1)} percentage points`;

  // requiresReview: the number alone should not be trusted, each reason in plain words. Returns the advice.
  function showReview(a) {
    if (a.requiresReview !== true) return '';
    const r = a.review || {};
    const reasons = Array.isArray(r.reasons) ? r.reasons : [];
    const problems = Array.isArray(a.quality?.problems) ? a.quality.problems : [];
    const words = reasons.map((reason) => {
      if (reason === 'quality') {
        return 'The photo has a quality problem'
          + (problems.length ? ` (${problems.join(', ')})` : '')
          + ': the model learnt from sharp, well-lit photos, so its answer on this one is less reliable.';
      }
      if (reason === 'near-threshold') {
        return `The probability is near the threshold (${pct(a.threshold)})`
          + (isNumber(r.band) ? `: within ${points(r.band)} of it` : '') + ', so a small change in the photo could change the label.';
      }
      if (reason === 'members-disagree') {
        return 'The models disagree'
          + (isNumber(a.spread) ? `: their probabilities differ by ${points(a.spread)}` : '')
          + (isNumber(r.maxSpread) ? `, more than the ${points(r.maxSpread)} they may differ by` : '') + '.';
      }
      return `The service asks for a review (${reason}).`;
    });
    const advice = 'Ask a dermatologist to look at it.';
    $('review-advice').textContent = advice;
    $('review-reasons').replaceChildren(...words.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }));
    $('review').dataset.reasons = reasons.join(',');
    $('review').hidden = false;
    return `${advice} ${words.join(' ')}`.trim();
  }

  // An ensemble's members, each with its own probability, weight and whether it ran (adaptive mode may stop
  // after the cheapest), and how far apart the ones that ran are.
  function showMembers(a) {
    const members = Array.isArray(a.members) ? a.members : [];
    if (members.length === 0) return;
    $('members-rows').replaceChildren(...members.map((m) => {
      const row = document.createElement('tr');
      const ran = m.ran !== false;
      const cells = [
        String(m.name || ''),
        ran && isNumber(m.probability) ? pct(m.probability) : '—',
        isNumber(m.weight) ? String(m.weight) : '',
        ran ? 'yes' : 'no (not needed)',
      ];
      for (const text of cells) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      row.dataset.name = String(m.name || '');
      if (ran && isNumber(m.probability)) row.dataset.probability = String(m.probability);
      return row;
    }));
    if (isNumber(a.spread)) {
      const spread = $('spread');
      spread.textContent = `Spread: ${points(a.spread)} between the highest and the lowest probability of the models that ran.`;
      spread.dataset.value = String(a.spread);
      spread.hidden = false;
    }
    $('members').hidden = false;
  }

  function showCombination(c) {
    if (!c || typeof c !== 'object') return;
    const parts = [];
    if (c.tta === 'dihedral8') parts.push('each model averaged over 8 turned and mirrored views of its input');
    else if (c.tta) parts.push(`test-time augmentation: ${c.tta}`);
    if (c.mode === 'adaptive') {
      parts.push(c.escalated ? 'adaptive: the cheapest model was near the threshold, so all ran'
        : 'adaptive: the cheapest model was clear of the threshold, so only it ran');
    } else if (c.mode) {
      parts.push(`${c.mode}: every model ran`);
    }
    if (parts.length === 0) return;
    $('combination').textContent = parts.join('; ');
    $('combination-row').hidden = false;
  }

  // What the service did with the patient details: used (with what it read, and what was missing) or ignored.
  function showMetadata(m) {
    if (!m || typeof m !== 'object') return;
    const given = ['sex', 'age', 'site'].filter((k) => m[k] !== undefined && m[k] !== null).map((k) => `${k} ${m[k]}`);
    const missing = Array.isArray(m.missing) && m.missing.length ? `not given: ${m.missing.join(', ')}` : '';
    const what = [given.join(', '), missing].filter(Boolean).join('; ');
    let text = m.used === true ? 'used' : m.used === false ? 'ignored' : '';
    if (what) text += (text ? ` (${what})` : what);
    if (m.note) text += (text ? '. ' : '') + m.note;
    $('metadata').textContent = text;
    $('metadata').dataset.used = String(m.used);
    $('metadata-row').hidden = !text;
  }

  // The quality check comes first: a blurred or dark photo's number is worth less than a retake.
  function showQuality(q) {
    if (!q) return;
    const box = $('quality');
    const list = $('quality-advice');
    list.replaceChildren(...(q.advice || []).map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }));
    const bad = (q.problems || []).length > 0;
    box.className = 'quality' + (bad ? ' poor' : ' fine');
    box.dataset.problems = (q.problems || []).join(',');
    $('quality-summary').textContent = bad
      ? `Photo quality: ${q.problems.join(', ')}. The result below is less reliable; better retake the photo.`
      : 'Photo quality: sharp enough, well exposed, something in view.';
    box.hidden = false;
  }

  // The exact pixels the model received, next to the browser's own cut of the photo, with the heatmap over them.
  function showModelInput(a) {
    if (!a.input) return;
    $('model-input').src = a.input;
    $('model-input-frame').hidden = false;
    $('model-input-caption').hidden = false;
    const overlay = $('heatmap');
    if (a.heatmap && a.heatmap.png) {
      overlay.src = a.heatmap.png;
      overlay.hidden = !$('heatmap-toggle').checked;
      $('heatmap-control').hidden = false;
    } else {
      overlay.hidden = true;
      overlay.removeAttribute('src');
    }
  }

  // The service's crop (displayed pixels, orientation applied) drawn over the preview, and cut out of it.
  function showCrop(im) {
    const img = $('preview-img');
    const { left, top, size } = im.crop;
    const sameShape = !img.hidden && img.naturalWidth > 0
      && Math.abs(img.naturalWidth / img.naturalHeight - im.width / im.height) < 0.01;
    const view = $('crop-view');
    view.closest('figure').hidden = !sameShape;
    if (!sameShape) {
      $('preview-caption').textContent = `The model looked at a ${size}-pixel square from (${left}, ${top}) of the `
        + `${im.width} × ${im.height} photo; this browser shows the photo differently, so it is not outlined.`;
      return;
    }
    const crop = $('crop');
    Object.assign(crop.style, {
      left: `${(100 * left) / im.width}%`, top: `${(100 * top) / im.height}%`,
      width: `${(100 * size) / im.width}%`, height: `${(100 * size) / im.height}%`,
    });
    crop.hidden = false;
    $('preview-caption').textContent = `The outlined square is what the model looks at: ${size} × ${size} pixels `
      + `in the centre of the ${im.width} × ${im.height} photo.`;
    const k = img.naturalWidth / im.width;
    view.getContext('2d').drawImage(img, left * k, top * k, size * k, size * k, 0, 0, view.width, view.height);
  }

  const FORMAT_NAMES = {
    'image/heic': 'HEIC', 'image/avif': 'AVIF', 'image/webp': 'WebP', 'image/gif': 'GIF', 'image/bmp': 'BMP', 'image/tiff': 'TIFF',
  };

  function unsupported(p, prepared) {
    const name = FORMAT_NAMES[p.received] || (prepared && prepared.format) || '';
    if (name === 'HEIC') {
      return 'This photo is in HEIC, the iPhone\'s own format. The service reads only JPEG, PNG and WebP, and this browser '
        + 'cannot convert HEIC. Send it as JPEG: on the iPhone choose Settings › Camera › Formats › Most Compatible, '
        + 'or share the photo and pick JPEG.';
    }
    return `This file is ${name ? `a ${name} image` : 'in a format'} that the service does not read, and this browser `
      + 'cannot convert it. The service reads JPEG, PNG and WebP photos: save it as JPEG and try again.';
  }

  const PLAIN = {
    'empty-body': () => 'The file is empty (0 bytes). Choose the photo again.',
    'too-many-bytes': (p) => `The photo is too large for the service${p.maxBytes ? ` (the limit is ${mb(p.maxBytes)})` : ''}`
      + ' and this page could not make a small enough copy. Choose a smaller photo.',
    'unsupported-image-format': unsupported,
    'unsupported-media-type': unsupported,
    'not-an-image': () => 'This file is not a photo that the service can read. Choose a JPEG, PNG or WebP photo.',
    'corrupt-image': () => 'This photo is damaged or incomplete (perhaps cut off while it was copied), so it cannot be '
      + 'read. Try the original file.',
    'too-many-pixels': (p) => p.width && `This image has too many pixels (${p.width} × ${p.height}); the limit is `
      + `${Math.round(p.maxPixels / 1e6)} million pixels. Send a smaller copy: 2000 pixels across is plenty.`,
    'image-too-small': (p) => p.width && `This image is too small (${p.width} × ${p.height} pixels): each side must be`
      + ` at least ${p.minSide} pixels. Send the original photo, not a thumbnail.`,
    'too-slow': () => 'The service took too long with this photo. Try a smaller copy.',
    'poor-quality': (p) => (p.advice || []).length && `The service did not classify this photo: ${p.advice.join(' ')}`,
    'invalid-metadata': () => 'The service did not accept the patient details. Correct them, or leave them empty.',
    'malformed-multipart': () => 'The photo did not arrive whole. Try again.',
    'missing-image-part': () => 'The photo did not arrive whole. Try again.',
  };

  function plainWords(answer, prepared) {
    const p = answer.body;
    const slug = typeof p.type === 'string' ? p.type.split(':').pop() : '';
    const known = PLAIN[slug] && PLAIN[slug](p, prepared);
    if (known) return known;
    if (answer.status === 0) return 'The page could not reach the service. Check the connection and try again.';
    if (answer.status === 413) return PLAIN['too-many-bytes'](p);
    if (answer.status >= 500) {
      return `The service failed while answering (HTTP ${answer.status}). Try again in a moment.`
        + (prepared && prepared.blob.size > GATEWAY_BYTES ? ' If it fails again, try a smaller photo.' : '');
    }
    return p.detail || p.title || `The service answered with HTTP ${answer.status}.`;
  }

  function showError(answer, prepared) {
    const text = plainWords(answer, prepared);
    $('error-text').textContent = text;
    const detail = answer.body.detail;
    $('error-detail').textContent = detail && detail !== text
      ? `The service said: “${detail}”${answer.status > 0 ? ` (HTTP ${answer.status})` : ''}` : '';
    $('error').hidden = false;
    setState('error', 'No answer for this photo. ' + text);
    $('answer-heading').focus();
  }

  // ------------------------------------------------------------------------------------------- inputs
  $('heatmap-toggle').addEventListener('change', (e) => {
    $('heatmap').hidden = !e.target.checked || !$('heatmap').getAttribute('src');
  });
  for (const id of ['photo', 'camera']) {
    $(id).addEventListener('change', (e) => {
      handle(e.target.files[0]);
      e.target.value = ''; // so that choosing the same file again is a change too
    });
  }
  // Details given or changed after a photo: its answer is asked again with them.
  for (const id of ['age', 'sex', 'site']) {
    $(id).addEventListener('change', () => {
      if (lastFile) handle(lastFile);
    });
  }
  // A photo dropped anywhere on the page is taken, rather than opened by the browser in place of the page.
  const zone = $('dropzone');
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  window.addEventListener('dragleave', (e) => {
    if (!e.relatedTarget) zone.classList.remove('dragging');
  });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    handle(e.dataTransfer && e.dataTransfer.files[0]);
  });

  document.body.dataset.state = 'idle';
  loadModel();
})();
