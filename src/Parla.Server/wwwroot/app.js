// Parla's page: portrait → face fit (five draggable points) → voice → options → consent → job with
// live progress → video; and a Verify tab. Plain JavaScript, no build step, nothing from elsewhere.
'use strict';

const $ = (id) => document.getElementById(id);
const FIELDS = ['image', 'audio', 'landmarks', 'options', 'consent', 'general', 'video', 'token'];
// Left and right as seen in the picture, the order of points5.
const POINT_NAMES = ['left eye', 'right eye', 'nose tip', 'left mouth corner', 'right mouth corner'];

const state = {
  token: sessionStorage.getItem('parla-token') || '',
  imageFile: null, image: null, faces: [], contours: {}, faceIndex: 0,
  points: null, detected: null, placing: false, selected: -1, drag: -1, scale: 1,
  audioBlob: null, audioName: null,
  jobId: null, abort: null, objectUrls: [],
};

// ---------- API calls ----------

function headers() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

/** Calls the API; resolves to the Response. A 401 opens the token box and retries once the token is given. */
async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...headers(), ...(init.headers || {}) } });
  if (response.status === 401) {
    await askToken();
    return api(path, init);
  }
  return response;
}

let tokenWaiters = [];
function askToken() {
  $('token-box').hidden = false;
  $('token').focus();
  return new Promise((resolve) => tokenWaiters.push(resolve));
}
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('parla-token', state.token);
  $('token-box').hidden = true;
  const waiters = tokenWaiters; tokenWaiters = [];
  waiters.forEach((w) => w());
});

/** Reads an application/problem+json answer and shows each message next to its field. */
async function showProblem(response, fallbackField) {
  let problem = {};
  try { problem = await response.json(); } catch { /* not JSON */ }
  const errors = problem.errors || {};
  let shown = false;
  for (const [field, messages] of Object.entries(errors)) {
    setError(FIELDS.includes(field) ? field : fallbackField, messages.join(' '));
    shown = true;
  }
  if (!shown) setError(fallbackField, problem.detail || `The server answered ${response.status}.`);
}

function setError(field, message) {
  const el = $('error-' + field);
  if (el) el.textContent = message || '';
}
function clearErrors() { FIELDS.forEach((f) => setError(f, '')); }

// ---------- tabs ----------

const tabs = [$('tab-animate'), $('tab-verify')];
function selectTab(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
  tab.focus();
}
tabs.forEach((t, i) => {
  t.addEventListener('click', () => selectTab(t));
  t.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') selectTab(tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]);
  });
});

// ---------- drop zones ----------

function dropZone(zone, input, onFile) {
  input.addEventListener('change', () => { if (input.files[0]) onFile(input.files[0]); });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]);
  });
}

// ---------- portrait and face fit ----------

dropZone($('drop-image'), $('image'), loadPortrait);

async function loadPortrait(file) {
  clearErrors();
  state.imageFile = file;
  state.faces = []; state.points = null; state.detected = null; state.placing = false; state.faceIndex = 0;
  const url = URL.createObjectURL(file);
  const img = new Image();
  try {
    await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = url; });
  } catch {
    setError('image', 'image: is not an image that can be decoded. Use a JPEG, PNG or WebP portrait.');
    $('fit').hidden = true;
    return;
  }
  state.image = img;
  $('fit').hidden = false;
  $('face-choice').hidden = true;
  $('fit-status').textContent = 'Finding the face…';
  draw();
  const form = new FormData();
  form.append('image', file);
  const response = await api('/api/landmarks', { method: 'POST', body: form });
  if (!response.ok) {
    $('fit-status').textContent = '';
    await showProblem(response, 'image');
    return;
  }
  const json = await response.json();
  state.faces = json.faces || [];
  state.contours = json.contours || {};
  if (state.faces.length === 0) {
    state.placing = true;
    state.points = [];
    $('fit-status').textContent = 'No face was found. Click the five points in this order, left and right as seen in the picture: ' + POINT_NAMES.join(', ') + '.';
  } else {
    chooseFace(0);
    if (state.faces.length > 1) {
      const select = $('face-select');
      select.replaceChildren(...state.faces.map((_, i) => new Option(`face ${i + 1}`, String(i))));
      $('face-choice').hidden = false;
    }
  }
  draw();
}

function chooseFace(i) {
  state.faceIndex = i;
  state.detected = state.faces[i].points5.map((p) => p.slice());
  state.points = state.detected.map((p) => p.slice());
  $('face-select').value = String(i);
  $('fit-status').textContent = state.faces.length > 1
    ? `${state.faces.length} faces found; face ${i + 1} is chosen.`
    : 'Face found. Drag a point if the fit is off.';
  draw();
}
$('face-select').addEventListener('change', (e) => chooseFace(Number(e.target.value)));

$('reset-fit').addEventListener('click', () => {
  if (state.detected) state.points = state.detected.map((p) => p.slice());
  else { state.points = []; state.placing = true; }
  draw();
});

function draw() {
  const canvas = $('face-canvas');
  const img = state.image;
  if (!img) return;
  // Draw at most 1024 px wide: enough for the eye, cheap to redraw while dragging.
  state.scale = Math.min(1, 1024 / img.naturalWidth);
  canvas.width = Math.round(img.naturalWidth * state.scale);
  canvas.height = Math.round(img.naturalHeight * state.scale);
  const g = canvas.getContext('2d');
  const s = state.scale;
  g.drawImage(img, 0, 0, canvas.width, canvas.height);
  const lw = Math.max(1, canvas.width / 500);
  state.faces.forEach((face, i) => {
    const chosen = i === state.faceIndex;
    if (state.faces.length > 1) {
      g.strokeStyle = chosen ? '#2458c6' : 'rgba(255,255,255,.8)';
      g.lineWidth = 2 * lw;
      const [x, y, w, h] = face.box;
      g.strokeRect(x * s, y * s, w * s, h * s);
    }
    if (!chosen) return;
    g.fillStyle = 'rgba(80,220,255,.8)';
    for (const p of face.points) g.fillRect(p[0] * s - lw / 2, p[1] * s - lw / 2, lw, lw);
    g.strokeStyle = 'rgba(80,220,255,.9)';
    g.lineWidth = lw;
    g.beginPath();
    for (const edges of Object.values(state.contours)) {
      for (const [a, b] of edges) {
        g.moveTo(face.points[a][0] * s, face.points[a][1] * s);
        g.lineTo(face.points[b][0] * s, face.points[b][1] * s);
      }
    }
    g.stroke();
  });
  (state.points || []).forEach((p, i) => {
    const r = Math.max(7, canvas.width / 90);
    g.beginPath();
    g.arc(p[0] * s, p[1] * s, r, 0, Math.PI * 2);
    g.fillStyle = i === state.selected ? '#ffcc00' : '#ff4d6d';
    g.fill();
    g.lineWidth = 2;
    g.strokeStyle = '#fff';
    g.stroke();
    g.fillStyle = '#000';
    g.font = `bold ${Math.round(r * 1.3)}px system-ui, sans-serif`;
    g.textAlign = 'center'; g.textBaseline = 'middle';
    g.fillText(String(i + 1), p[0] * s, p[1] * s + 1);
  });
}

/** Pointer position in image pixels. */
function imagePoint(e) {
  const canvas = $('face-canvas');
  const rect = canvas.getBoundingClientRect();
  const x = (e.clientX - rect.left) * (canvas.width / rect.width) / state.scale;
  const y = (e.clientY - rect.top) * (canvas.height / rect.height) / state.scale;
  return [x, y];
}

function nearestPoint(pt, radius) {
  let best = -1, bestD = radius;
  (state.points || []).forEach((p, i) => {
    const d = Math.hypot(p[0] - pt[0], p[1] - pt[1]);
    if (d < bestD) { best = i; bestD = d; }
  });
  return best;
}

function faceAt(pt) {
  return state.faces.findIndex((f) => pt[0] >= f.box[0] && pt[0] <= f.box[0] + f.box[2] && pt[1] >= f.box[1] && pt[1] <= f.box[1] + f.box[3]);
}

const faceCanvas = $('face-canvas');
faceCanvas.addEventListener('pointerdown', (e) => {
  if (!state.image) return;
  const pt = imagePoint(e);
  const canvas = faceCanvas;
  const radius = 18 * (canvas.width / canvas.getBoundingClientRect().width) / state.scale;
  const hit = nearestPoint(pt, radius);
  if (hit >= 0) {
    state.drag = hit; state.selected = hit;
    canvas.setPointerCapture(e.pointerId);
  } else if (state.placing && state.points.length < 5) {
    state.points.push(pt);
    state.selected = state.points.length - 1;
    const left = 5 - state.points.length;
    $('fit-status').textContent = left > 0 ? `Next: the ${POINT_NAMES[state.points.length]}.` : 'Five points placed. Drag any of them to adjust.';
    if (left === 0) state.placing = false;
  } else if (state.faces.length > 1) {
    const f = faceAt(pt);
    if (f >= 0 && f !== state.faceIndex) chooseFace(f);
  }
  draw();
});
faceCanvas.addEventListener('pointermove', (e) => {
  if (state.drag < 0) return;
  state.points[state.drag] = imagePoint(e);
  draw();
});
faceCanvas.addEventListener('pointerup', () => { state.drag = -1; });
faceCanvas.addEventListener('keydown', (e) => {
  if (!state.points) return;
  if (e.key >= '1' && e.key <= '5' && Number(e.key) <= state.points.length) {
    state.selected = Number(e.key) - 1;
    $('fit-status').textContent = `Point ${e.key}, the ${POINT_NAMES[state.selected]}, is selected; move it with the arrow keys.`;
    draw();
    e.preventDefault();
    return;
  }
  const step = (e.shiftKey ? 10 : 1) / state.scale;
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (moves[e.key] && state.selected >= 0 && state.points[state.selected]) {
    state.points[state.selected][0] += moves[e.key][0];
    state.points[state.selected][1] += moves[e.key][1];
    draw();
    e.preventDefault();
  }
});

function pointsMoved() {
  if (!state.detected || !state.points) return false;
  return state.points.some((p, i) => Math.hypot(p[0] - state.detected[i][0], p[1] - state.detected[i][1]) > 0.5);
}

/**
 * The landmarks to send: nothing when the detected fit is kept; the chosen face's 468 points moved by
 * the least-squares affine map that takes the detected five points to the corrected ones; or, when no
 * face was found, the five hand-placed points.
 */
function landmarksToSend() {
  if (!state.detected) {
    if (!state.points || state.points.length === 0) return null;
    return { points5: state.points.map((p) => [round2(p[0]), round2(p[1])]) };
  }
  if (!pointsMoved()) return null;
  const m = affineFit(state.detected, state.points);
  const face = state.faces[state.faceIndex];
  const map = (x, y) => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
  const points = face.points.map(([x, y, z]) => { const [u, v] = map(x, y); return [round2(u), round2(v), z]; });
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)].map(round2);
  return { faces: [{ score: face.score, box, points }] };
}

const round2 = (v) => Math.round(v * 100) / 100;

/** Least-squares affine map [a b c; d e f] from points src to dst (normal equations, 3×3, Cramer's rule). */
function affineFit(src, dst) {
  let sxx = 0, sxy = 0, sx = 0, syy = 0, sy = 0;
  const n = src.length;
  const bx = [0, 0, 0], by = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [x, y] = src[i], [u, v] = dst[i];
    sxx += x * x; sxy += x * y; sx += x; syy += y * y; sy += y;
    bx[0] += x * u; bx[1] += y * u; bx[2] += u;
    by[0] += x * v; by[1] += y * v; by[2] += v;
  }
  const A = [[sxx, sxy, sx], [sxy, syy, sy], [sx, sy, n]];
  const det = (m) => m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const D = det(A);
  const solve = (b) => [0, 1, 2].map((c) => det(A.map((row, r) => row.map((val, k) => (k === c ? b[r] : val)))) / D);
  return [...solve(bx), ...solve(by)];
}

// ---------- voice ----------

dropZone($('drop-audio'), $('audio'), (file) => setVoice(file, file.name));

async function setVoice(blob, name) {
  setError('audio', '');
  state.audioBlob = blob;
  state.audioName = name;
  const player = $('voice-player');
  const url = URL.createObjectURL(blob);
  state.objectUrls.push(url);
  player.src = url;
  $('voice').hidden = false;
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    const buffer = await ctx.decodeAudioData(await blob.arrayBuffer());
    drawWave(buffer);
    $('record-status').textContent = `${buffer.duration.toFixed(1)} s of sound.`;
    ctx.close();
  } catch {
    drawWave(null);
    $('record-status').textContent = 'The browser cannot show this file\'s waveform; the server will try to read it.';
  }
}

function drawWave(buffer) {
  const canvas = $('wave');
  canvas.width = canvas.clientWidth * (window.devicePixelRatio || 1) || 600;
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!buffer) return;
  const data = buffer.getChannelData(0);
  const mid = canvas.height / 2;
  const per = Math.max(1, Math.floor(data.length / canvas.width));
  g.fillStyle = '#2458c6';
  for (let x = 0; x < canvas.width; x++) {
    let lo = 0, hi = 0;
    for (let i = x * per; i < Math.min(data.length, (x + 1) * per); i++) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
    g.fillRect(x, mid + lo * mid, 1, Math.max(1, (hi - lo) * mid));
  }
}

let recorder = null;
$('record').addEventListener('click', async () => {
  if (recorder && recorder.state === 'recording') { recorder.stop(); return; }
  setError('audio', '');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    setError('audio', 'The microphone is not available (' + (e.message || e.name) + ').');
    return;
  }
  const chunks = [];
  recorder = new MediaRecorder(stream);
  recorder.ondataavailable = (e) => chunks.push(e.data);
  recorder.onstop = () => {
    stream.getTracks().forEach((t) => t.stop());
    $('record').textContent = '● Record with the microphone';
    setVoice(new Blob(chunks, { type: recorder.mimeType }), 'recording.webm');
  };
  recorder.start();
  $('record').textContent = '■ Stop recording';
  $('record-status').textContent = 'Recording…';
});

// ---------- options ----------

for (const [input, out] of [['opt-expressiveness', 'out-expr'], ['opt-headMotion', 'out-head']]) {
  $(input).addEventListener('input', () => { $(out).textContent = Number($(input).value).toFixed(1); });
}

function options() {
  return {
    fps: Number($('opt-fps').value),
    maxSize: Number($('opt-maxSize').value),
    seed: Number($('opt-seed').value),
    face: state.faceIndex,
    label: $('opt-label').checked,
    style: $('opt-style').value,
    language: $('opt-language').value,
    expressiveness: Number($('opt-expressiveness').value),
    headMotion: Number($('opt-headMotion').value),
  };
}

// ---------- generate ----------

$('job-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  let ok = true;
  if (!state.imageFile) { setError('image', 'Choose a portrait first.'); ok = false; }
  if (!state.audioBlob) { setError('audio', 'Choose or record a voice first.'); ok = false; }
  if (!$('consent').value.trim()) { setError('consent', 'A consent statement is required.'); ok = false; }
  if (state.detected === null && state.points && state.points.length > 0 && state.points.length < 5) {
    setError('landmarks', `Place all five points (${state.points.length} of 5 so far).`); ok = false;
  }
  if (!ok) { document.querySelector('.error:not(:empty)')?.closest('fieldset, .card')?.scrollIntoView({ block: 'center' }); return; }

  const form = new FormData();
  form.append('image', state.imageFile, 'portrait');
  form.append('audio', state.audioBlob, 'voice');
  const opts = options();
  const landmarks = landmarksToSend();
  if (landmarks) {
    opts.face = 0; // the landmarks hold only the chosen face
    form.append('landmarks', new Blob([JSON.stringify(landmarks)], { type: 'application/json' }), 'landmarks.json');
  }
  form.append('options', JSON.stringify(opts));
  form.append('consent', $('consent').value.trim());

  $('generate').disabled = true;
  $('result').hidden = true;
  showProgress({ status: 'queued', progress: 0 });
  $('progress-box').hidden = false;
  try {
    const response = await api('/api/jobs', { method: 'POST', body: form });
    if (!response.ok) {
      $('progress-box').hidden = true;
      if (response.status === 429) {
        const wait = response.headers.get('Retry-After');
        setError('general', `The server is busy: its queue is full. Try again in about ${wait || 'a few'} seconds.`);
      } else {
        await showProblem(response, 'general');
      }
      return;
    }
    const job = await response.json();
    state.jobId = job.id;
    const final = await follow(job);
    finish(final);
  } catch (err) {
    if (err.name !== 'AbortError') setError('general', 'The connection to the server failed (' + err.message + ').');
  } finally {
    $('generate').disabled = false;
  }
});

/** Follows the job's event stream (fetch, so the token header goes along) until it ends; polls if the stream drops. */
async function follow(job) {
  let last = job;
  state.abort = new AbortController();
  try {
    const response = await api(job.links.events, { signal: state.abort.signal });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (!data || !block.includes('event: status')) continue;
        last = JSON.parse(data);
        showProgress(last);
        if (['done', 'failed', 'cancelled'].includes(last.status)) return last;
      }
    }
  } catch (err) {
    if (err.name === 'AbortError') throw err;
  }
  while (!['done', 'failed', 'cancelled'].includes(last.status)) {
    await new Promise((r) => setTimeout(r, 1000));
    const response = await api(job.links.self);
    if (!response.ok) break;
    last = await response.json();
    showProgress(last);
  }
  return last;
}

const STAGES = { queued: 'Waiting in the queue', starting: 'Starting', voice: 'Reading the voice', face: 'Fitting the face', motion: 'Planning the motion', phones: 'Hearing the words', render: 'Rendering frames', sign: 'Signing', done: 'Done' };

function showProgress(job) {
  $('progress').value = job.progress || 0;
  let text = job.status === 'queued' ? STAGES.queued : (STAGES[job.stage] || job.stage || job.status);
  text += ` — ${Math.round((job.progress || 0) * 100)}%`;
  if (job.etaSeconds != null) text += `, about ${formatSeconds(job.etaSeconds)} left`;
  $('progress-text').textContent = text;
}

function formatSeconds(s) {
  s = Math.max(0, Math.round(s));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

async function finish(job) {
  if (job.status === 'done') {
    $('progress-box').hidden = true;
    await showVideo(job);
  } else if (job.status === 'failed') {
    $('progress-box').hidden = true;
    setError(fieldOf(job.error), job.error);
  } else {
    $('progress-box').hidden = true;
    setError('general', 'The job was cancelled.');
  }
}

/** The form field an error message is about (the server names the field first, as the CLI names the file). */
function fieldOf(message) {
  const m = /^(image|audio|landmarks|consent|options)\b/.exec(message || '');
  if (m) return m[1];
  if (/face/i.test(message || '')) return 'landmarks';
  return 'general';
}

async function showVideo(job) {
  state.objectUrls.forEach((u) => URL.revokeObjectURL(u));
  state.objectUrls = [];
  const video = $('video');
  let videoUrl = job.links.video, manifestUrl = job.links.manifest;
  if (state.token) {
    // A <video> or a link cannot send the Authorization header: fetch the files, hand out blob URLs.
    videoUrl = URL.createObjectURL(await (await api(job.links.video)).blob());
    manifestUrl = URL.createObjectURL(await (await api(job.links.manifest)).blob());
    state.objectUrls.push(videoUrl, manifestUrl);
    $('download-video').href = videoUrl;
    $('download-manifest').href = manifestUrl;
  } else {
    $('download-video').href = job.links.video + '?download=true';
    $('download-manifest').href = job.links.manifest + '?download=true';
  }
  $('download-video').download = `parla-${job.id.slice(0, 8)}.mp4`;
  $('download-manifest').download = `parla-${job.id.slice(0, 8)}.json`;
  video.src = videoUrl;
  $('mouth').textContent = job.mouth ? `Mouth from ${job.mouth}.` : '';
  $('result').hidden = false;
  video.play().catch(() => { /* autoplay with sound may be refused; the controls are there */ });
}

$('cancel').addEventListener('click', async () => {
  if (!state.jobId) return;
  $('cancel').disabled = true;
  try {
    await api(`/api/jobs/${state.jobId}`, { method: 'DELETE' });
  } finally {
    $('cancel').disabled = false;
  }
});

// ---------- verify ----------

dropZone($('drop-video'), $('verify-file'), verifyVideo);

const VERDICTS = {
  made: ['Made by Parla', 'made'],
  none: ['No trace of Parla', 'none'],
  contradiction: ['Contradiction: the traces in this video disagree', 'contradiction'],
};

async function verifyVideo(file) {
  setError('video', '');
  $('verdict').hidden = true;
  $('verify-status').textContent = 'Checking…';
  const form = new FormData();
  form.append('video', file, 'video');
  const response = await api('/api/verify', { method: 'POST', body: form });
  $('verify-status').textContent = '';
  if (!response.ok) {
    await showProblem(response, 'video');
    return;
  }
  const report = await response.json();
  const [text, cls] = VERDICTS[verdictOf(report)];
  $('verdict-text').textContent = text;
  $('verdict-text').className = 'verdict ' + cls;
  const details = $('verdict-details');
  details.replaceChildren();
  const detail = (key, value) => {
    const dt = document.createElement('dt');
    dt.textContent = key.replace(/([A-Z])/g, ' $1').toLowerCase();
    const dd = document.createElement('dd');
    dd.textContent = typeof value === 'object' ? JSON.stringify(value) : String(value);
    details.append(dt, dd);
  };
  // What the watermark search found, in the words `parla verify` prints (a mirrored or padded copy says so).
  if (report.watermark) detail('watermark', report.watermark.found);
  // The manifest's own "present" reads as the manifest's line, under the watermark's.
  if (report.manifest) detail('manifest', report.manifest.present ? 'present' : 'absent');
  for (const [key, value] of Object.entries(report.manifest || report)) {
    if (value === null || value === undefined || key === 'verdict' || key === 'present') continue;
    detail(key, value);
  }
  $('verdict').hidden = false;
}

/** The verdict of a verify report from its exit code: 0 made by Parla, 1 no trace, 2 contradiction. */
function verdictOf(report) {
  if (report.exitCode === 0) return 'made';
  if (report.exitCode === 2) return 'contradiction';
  if (report.exitCode === 1) return 'none';
  const v = String(report.verdict || report.status || '').toLowerCase();
  if (v.includes('contradict') || v.includes('mismatch') || v.includes('tamper')) return 'contradiction';
  if (v.includes('parla') || v.includes('made') || v.includes('verified') || v === 'ok') return 'made';
  return 'none';
}
