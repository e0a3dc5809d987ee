export interface Hub {
  id: string;
  tenant_id: string;
  code: string;
  name: string;
  latitude: number;
  longitude: number;
  is_external: boolean;
  /** Orders a hub can take per day (UTC); null: unlimited. */
  daily_capacity: number | null;
  /** Higher wins ties; also the "performance" input of routing when no history exists. */
  priority: number;
  /** 0..1, the hub's fulfilment performance score used by routing. */
  performance_score: number;
  active: boolean;
  created_at: Date;
}
