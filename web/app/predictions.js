// Section 3 of the page: a probe file opened by the person turns each
// analysed day's embedding into a prediction, computed by the core in the
// worker. The file is read locally and kept only in this tab.
const $ = (id) => document.getElementById(id);

/** Reads a probe file; returns {bytes, info, name} or throws with a plain message. */
export async function openProbe(api, file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let info;
  try {
    info = await api.probeInfo(bytes.slice());
  } catch (e) {
    // The core's reason ("header length 7234017283807667300 exceeds ...") is
    // for developers; it stays on the error as its cause.
    const plain = /not available in this build/.test(e.message) ? 'this version of the page cannot run probes' : 'it is not a probe file, or it is damaged';
    throw new Error(plain, { cause: e });
  }
  return { bytes, info, name: file.name };
}

export function describeProbe(probe, modelInfo) {
  const i = probe.info;
  const what = i.task === 'logistic' ? `chooses between ${i.classes.join(', ')}` : 'gives a number';
  const bound = i.encoderHash ? ' It was made for one specific model, and is checked against this one.' : '';
  const dim = modelInfo && i.nFeatures !== modelInfo.encDim
    ? ` It expects ${i.nFeatures} numbers per day, but this model summarises a day in ${modelInfo.encDim}: it cannot be used with it.` : '';
  return `Probe “${probe.name}”: ${what} for each day (fit on ${i.nTrain} examples).${bound}${dim}`;
}

/** Predictions for every analysed day; returns rows [{start, label, outputs}]. */
export async function predictDays(api, probe, analysis) {
  const days = analysis.windows.filter((w) => w.embedding);
  if (!days.length) return [];
  const d = days[0].embedding.length, X = new Float32Array(days.length * d);
  days.forEach((w, i) => X.set(w.embedding, i * d));
  const r = await api.probePredict({ probe: probe.bytes.slice(), X, n: days.length, d });
  const k = r.info.nOutputs;
  return days.map((w, i) => {
    const outputs = Array.from(r.outputs.subarray(i * k, i * k + k));
    const label = r.classes
      ? `${r.info.classes[r.classes[i]]} (${Math.round(outputs[r.classes[i]] * 100)}%)`
      : outputs[0].toPrecision(4);
    return { start: w.start, startText: w.startText, label, outputs, class: r.classes ? r.info.classes[r.classes[i]] : undefined };
  });
}

export function showPredictions(rows, dayLabel) {
  const body = $('probe-table').tBodies[0];
  body.replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    for (const text of [dayLabel(r.start), r.label]) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
    return tr;
  }));
  $('probe-table').hidden = !rows.length;
}
