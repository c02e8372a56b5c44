import packageJson from '../../package.json' with { type: 'json' };

export const APP_VERSION: string = packageJson.version;
export const APP_PRODUCT_NAME: string = packageJson.productName;
