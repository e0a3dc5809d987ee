/**
 * The pure part of hub routing: distances, scores and the ranking, so the rule can be tested
 * (and explained) without a database.
 */

const EARTH_RADIUS_KM = 6371.0088;

/**
 * Distance at which proximity scores 0.5. Proximity is absolute (1 / (1 + d / scale)) rather
 * than relative to the other candidates, so a hub's score does not change when another hub is
 * added, and the explanation "120 km -> 0.45" reads the same on every order.
 */
export const PROXIMITY_SCALE_KM = 100;

export interface Point {
  latitude: number;
  longitude: number;
}

export interface Weights {
  proximity_weight: number;
  performance_weight: number;
}

/** Great-circle distance (haversine) in km. */
export function greatCircleKm(a: Point, b: Point): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLng = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function proximityScore(distanceKm: number | null): number {
  if (distanceKm === null) return 0;
  return 1 / (1 + distanceKm / PROXIMITY_SCALE_KM);
}

/**
 * Weighted score in 0..1. Weights are normalised by their sum, so (0.3, 0.7) and (3, 7) agree
 * and an all-zero setting falls back to equal weights instead of scoring every hub 0.
 */
export function hubScore(proximity: number, performance: number, weights: Weights): number {
  const total = weights.proximity_weight + weights.performance_weight;
  const [wp, wf] = total > 0 ? [weights.proximity_weight / total, weights.performance_weight / total] : [0.5, 0.5];
  return round(wp * proximity + wf * Math.max(0, Math.min(1, performance)));
}

export interface Scored {
  code: string;
  score: number;
  priority: number;
  distance_km: number | null;
}

/** Best first: score, then priority (higher wins), then nearer, then code (stable). */
export function compareScored(a: Scored, b: Scored): number {
  return (
    b.score - a.score ||
    b.priority - a.priority ||
    (a.distance_km ?? Number.MAX_VALUE) - (b.distance_km ?? Number.MAX_VALUE) ||
    a.code.localeCompare(b.code)
  );
}

export function round(n: number, places = 4): number {
  const f = 10 ** places;
  return Math.round(n * f) / f;
}
