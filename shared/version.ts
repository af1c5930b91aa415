declare const __COPPER_VERSION__: string | undefined;

/** Set by the build; `dev` when running from source (tests under tsx). */
export const COPPER_VERSION: string = typeof __COPPER_VERSION__ === 'string' ? __COPPER_VERSION__ : 'dev';
