// Child processes of the reliability tests run the apps from TypeScript sources: see infra/register-ts.js.
require('../../infra/register-ts.js');
