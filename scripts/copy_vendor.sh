#!/bin/sh
# Copy the front-end packages the pages use from node_modules into static/vendor (served by the app).
set -eu
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/"
cp node_modules/chart.js/dist/chart.umd.min.js "$dest/chart.umd.js"
cp node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css "$dest/"
cp node_modules/tom-select/dist/js/tom-select.complete.min.js "$dest/"
cp node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js "$dest/simplewebauthn-browser.umd.min.js"
