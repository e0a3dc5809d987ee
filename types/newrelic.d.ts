// newrelic ships no typings; core/platform/telemetry.ts declares the part it uses.
declare module 'newrelic';
