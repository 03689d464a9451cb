# Placeholder until the container work lands (issue 6).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
ENTRYPOINT ["node", "bin/dvc-index.js"]
CMD ["start"]
