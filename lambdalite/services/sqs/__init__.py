"""Amazon SQS: durable standard and FIFO queues."""
