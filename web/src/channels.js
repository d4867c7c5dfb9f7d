// The channels the page knows: how streaming samples become one value per
// minute, and how they are drawn. Model channels keep the names and units of
// docs/data.md; the others (hrv_rmssd, movement) are shown and exported but
// are not model inputs unless a model declares them.
export const CHANNELS = {
  heart_rate: { label: 'Heart rate', unit: 'bpm', agg: 'mean', min: 40, max: 180, color: '#c0392b' },
  hrv_rmssd: { label: 'Heart rate variability, RMSSD', short: 'HRV (RMSSD)', unit: 'ms', agg: 'rmssd', min: 0, max: 150, color: '#8e44ad', from: 'rr' },
  steps: { label: 'Steps', unit: 'steps/min', agg: 'sum', min: 0, max: 150, color: '#2471a3' },
  // levels: a category, drawn as one lane per level (Fitbit's intensity levels; docs/data.md).
  intensity: { label: 'Activity intensity', unit: '0 to 3', agg: 'max', min: 0, max: 3, color: '#1e8449',
    levels: [{ value: 0, name: 'sedentary' }, { value: 1, name: 'light' }, { value: 2, name: 'moderate' }, { value: 3, name: 'vigorous' }] },
  // asleepFrom: values at or above it are sleep (asleep or restless), for the words under the day.
  sleep_state: { label: 'Sleep', unit: '2 asleep, 1 restless, 0 awake', agg: 'last', min: 0, max: 2, color: '#34495e', asleepFrom: 1,
    levels: [{ value: 0, name: 'awake' }, { value: 1, name: 'restless' }, { value: 2, name: 'asleep' }] },
  energy_expended: { label: 'Energy expended (cumulative)', unit: 'kJ', agg: 'last', min: null, max: null, color: '#7f8c8d', hidden: true },
  movement: { label: 'Movement', unit: 'mg', agg: 'mean', min: 0, max: 500, color: '#d35400' },
};

/** The per-minute channel a raw sample channel feeds (rr feeds hrv_rmssd). */
export function minuteChannelOf(sampleChannel) {
  for (const [name, c] of Object.entries(CHANNELS)) if (c.from === sampleChannel) return name;
  return sampleChannel;
}

/** A channel in plain words, for sentences: "heart rate", "activity intensity", "sleep". */
export function channelWords(name) {
  const m = CHANNELS[name];
  return m ? (m.short ?? m.label.toLowerCase()) : name.replace(/_/g, ' ');
}

/** "a, b and c". */
export function listWords(words) {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

export function channelMeta(name) {
  return CHANNELS[name] ?? { label: name, unit: '', agg: 'mean', min: null, max: null, color: '#555' };
}
