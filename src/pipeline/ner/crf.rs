//! Viterbi decoding of slovnet's CRF: the best tag sequence under per-token emission scores and tag-to-tag
//! transition scores. Written to match numpy's `CRF.decode` step for step (same addition order, first index
//! wins ties) so the decoded tags are the same as natasha's.

/// The most likely tag sequence.
///
/// `emissions` holds `tags` scores per token (row-major, `len × tags`); `transitions[from * tags + to]`.
pub fn viterbi(emissions: &[f32], transitions: &[f32], tags: usize) -> Vec<usize> {
    let len = emissions.len() / tags;
    if len == 0 {
        return Vec::new();
    }
    let mut score = emissions[..tags].to_vec();
    let mut next = vec![0f32; tags];
    // history[t * tags + to] = best previous tag for `to` at token t (t >= 1)
    let mut history = vec![0u8; len * tags];
    for t in 1..len {
        let emission = &emissions[t * tags..(t + 1) * tags];
        for to in 0..tags {
            let mut best = 0;
            let mut best_score = f32::NEG_INFINITY;
            for (from, &prev) in score.iter().enumerate() {
                let candidate = prev + transitions[from * tags + to] + emission[to];
                // numpy's argmax keeps the first maximum (and treats NaN as the maximum; ours never are)
                if candidate > best_score || from == 0 {
                    best_score = candidate;
                    best = from;
                }
            }
            next[to] = best_score;
            history[t * tags + to] = best as u8;
        }
        std::mem::swap(&mut score, &mut next);
    }
    let mut best = argmax(&score);
    let mut path = vec![0; len];
    path[len - 1] = best;
    for t in (1..len).rev() {
        best = history[t * tags + best] as usize;
        path[t - 1] = best;
    }
    path
}

/// Index of the first maximum.
fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::viterbi;

    #[test]
    fn follows_emissions_without_transitions() {
        let emissions = [1.0, 0.0, 0.0, 2.0, 3.0, 0.0];
        assert_eq!(viterbi(&emissions, &[0.0; 4], 2), [0, 1, 0]);
    }

    #[test]
    fn transitions_can_override_emissions() {
        // 0 -> 1 is forbidden, so the weak evidence for tag 1 at the second token loses
        let emissions = [1.0, 0.0, 0.0, 0.5];
        let transitions = [0.0, -10.0, 0.0, 0.0];
        assert_eq!(viterbi(&emissions, &transitions, 2), [0, 0]);
        assert_eq!(viterbi(&emissions, &[0.0; 4], 2), [0, 1]);
    }

    #[test]
    fn empty_input_gives_empty_path() {
        assert!(viterbi(&[], &[0.0; 4], 2).is_empty());
    }
}
