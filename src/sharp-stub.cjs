// transformers.js imports sharp at load time and throws if the import is falsy; Semantic Flow never
// processes images, so a truthy stub stands in for the native package in every bundle.
module.exports = function sharp() {
  throw new Error('Image processing (sharp) is not bundled with Semantic Flow.');
};
