{
  "name": "@portcullis/__name__",
  "version": "0.1.0",
  "private": true,
  "main": "dist/main.js",
  "files": [
    "dist"
  ],
  "scripts": {
    "start": "node dist/main.js"
  },
  "dependencies": {
    "@nestjs/common": "^12.5.1",
    "@nestjs/core": "^12.5.1",
    "@portcullis/contracts": "workspace:*",
    "@portcullis/trust": "workspace:*",
    "reflect-metadata": "^0.2.2",
    "rxjs": "^7.8.2"
  }
}
